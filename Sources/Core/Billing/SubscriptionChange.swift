import Foundation

/// What a Stripe event says about an organization's subscription: the fields it sets (nil leaves a
/// column as it is) and whether it ends the subscription.
struct SubscriptionChange: Sendable {
    var status: SubscriptionStatus?
    var plan: String?
    var customerID: String?
    var subscriptionID: String?
    var currentPeriodEnd: Date?
    var cancelAtPeriodEnd: Bool?
    var trialEndsAt: Date?
    /// Deletion wins a tie with an update carrying the same timestamp.
    var terminal = false

    /// The change `event` describes; nil for the types AuditMate ignores. `planForPrice` names the
    /// plan of a Stripe price when the subscription's metadata does not.
    init?(_ event: StripeEvent, planForPrice: (String) -> String?) {
        let object = event.object
        switch event.kind {
        case .checkoutSessionCompleted:
            self.init(
                status: .active,
                plan: object.metadata?["plan"],
                customerID: object.customer,
                subscriptionID: object.subscription
            )
        case .subscriptionCreated, .subscriptionUpdated, .subscriptionDeleted:
            let deleted = event.kind == .subscriptionDeleted
            self.init(
                // Any status Stripe sends is stored, known or not (`paused`, future ones); premium is
                // decided from the known ones (`PremiumGate.Standing`).
                status: deleted ? .canceled : object.status.flatMap { $0.isEmpty ? nil : SubscriptionStatus(rawValue: $0) },
                plan: object.metadata?["plan"] ?? object.priceID.flatMap(planForPrice),
                customerID: object.customer,
                subscriptionID: object.id,
                currentPeriodEnd: object.currentPeriodEnd,
                cancelAtPeriodEnd: object.cancelAtPeriodEnd,
                trialEndsAt: object.trialEnd,
                terminal: deleted
            )
        case .invoicePaid:
            self.init(status: .active, customerID: object.customer, subscriptionID: object.subscription)
        case .invoicePaymentFailed:
            self.init(status: .pastDue, customerID: object.customer, subscriptionID: object.subscription)
        case nil:
            return nil
        }
    }

    init(
        status: SubscriptionStatus? = nil,
        plan: String? = nil,
        customerID: String? = nil,
        subscriptionID: String? = nil,
        currentPeriodEnd: Date? = nil,
        cancelAtPeriodEnd: Bool? = nil,
        trialEndsAt: Date? = nil,
        terminal: Bool = false
    ) {
        self.status = status
        self.plan = plan
        self.customerID = customerID
        self.subscriptionID = subscriptionID
        self.currentPeriodEnd = currentPeriodEnd
        self.cancelAtPeriodEnd = cancelAtPeriodEnd
        self.trialEndsAt = trialEndsAt
        self.terminal = terminal
    }
}
