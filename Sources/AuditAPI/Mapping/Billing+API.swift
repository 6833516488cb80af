import Core

extension Components.Schemas.Subscription {
    init(_ subscription: Core.Subscription) {
        self.init(
            status: subscription.status.rawValue,
            allowsPremium: subscription.allowsPremium(),
            plan: subscription.plan,
            currentPeriodEnd: subscription.currentPeriodEnd,
            cancelAtPeriodEnd: subscription.cancelAtPeriodEnd,
            trialEndsAt: subscription.trialEndsAt
        )
    }
}

extension APIError {
    init(_ error: BillingError) {
        switch error {
        case .validation(let fields): self.init(validation: fields)
        case .upstream(let message): self.init(.badGateway, detail: message)
        case .notConfigured: self.init(.serviceUnavailable, detail: "Billing is not configured on this server (STRIPE_SECRET_KEY).")
        case .invalidSignature: self.init(.badRequest, detail: "Invalid Stripe signature.")
        case .malformedEvent: self.init(.badRequest, detail: "Malformed Stripe event.")
        }
    }
}
