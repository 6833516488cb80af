import Foundation

/// An organization's subscription as AuditMate last learned it from Stripe.
public struct Subscription: Equatable, Sendable {
    /// Stripe's status as it last said it (`trialing`, `active`, `past_due`, `canceled`, `unpaid`,
    /// `incomplete`, `incomplete_expired`, `paused`, or one Stripe adds later), or `none`.
    public let status: String
    public let plan: String?
    public let currentPeriodEnd: Date?
    public let cancelAtPeriodEnd: Bool
    public let trialEndsAt: Date?
    public let hasStripeSubscription: Bool

    public init(
        status: String,
        plan: String?,
        currentPeriodEnd: Date?,
        cancelAtPeriodEnd: Bool,
        trialEndsAt: Date?,
        hasStripeSubscription: Bool
    ) {
        self.status = status
        self.plan = plan
        self.currentPeriodEnd = currentPeriodEnd
        self.cancelAtPeriodEnd = cancelAtPeriodEnd
        self.trialEndsAt = trialEndsAt
        self.hasStripeSubscription = hasStripeSubscription
    }

    /// The premium gate (the original's `HasActiveSubscription`): active, past due (Stripe is still
    /// retrying the payment), or trialing, where AuditMate's own trial ends at `trialEndsAt`. Every
    /// other status, `paused` and unknown ones included, does not allow premium features.
    public func allowsPremium(at now: Date = .now) -> Bool {
        switch status {
        case "active", "past_due": true
        case "trialing": hasStripeSubscription || trialEndsAt.map { $0 > now } ?? true
        default: false
        }
    }
}
