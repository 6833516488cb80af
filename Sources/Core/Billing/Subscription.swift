import Foundation

/// An organization's subscription as AuditMate last learned it from Stripe.
public struct Subscription: Equatable, Sendable {
    /// Stripe's status as it last said it, or the schema's default for a new organization (`trialing`).
    public let status: SubscriptionStatus
    public let plan: String?
    public let currentPeriodEnd: Date?
    public let cancelAtPeriodEnd: Bool
    public let trialEndsAt: Date?
    public let hasStripeSubscription: Bool

    public init(
        status: SubscriptionStatus,
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

    /// What the premium rule decides on.
    public var standing: PremiumGate.Standing {
        PremiumGate.Standing(status: status, trialEndsAt: trialEndsAt, hasStripeSubscription: hasStripeSubscription)
    }

    /// Whether the subscription allows premium features at `now` (`PremiumGate.Standing`'s rule).
    public func allowsPremium(at now: Date = .now) -> Bool {
        standing.allowsPremium(at: now)
    }
}
