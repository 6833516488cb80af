import Foundation
import Logging
import PostgresNIO

/// Whether an organization may use premium features (run audits, generate reports, enable
/// schedules), and the one owner of the `organizations` columns that describe its subscription.
///
/// Authentication asks when it builds a principal, beat asks before a scheduled rescan, and the
/// billing endpoints read and write the same columns through `PremiumGate+Subscription.swift`, so
/// the rule and the column names are written here only.
public enum PremiumGate {
    /// The facts the rule decides on.
    public struct Standing: Equatable, Sendable {
        public let status: SubscriptionStatus
        /// The end of AuditMate's own trial (a new organization's `TRIAL_DAYS`).
        public let trialEndsAt: Date?
        /// Whether Stripe holds a subscription for the organization (then Stripe runs any trial).
        public let hasStripeSubscription: Bool

        public init(status: SubscriptionStatus, trialEndsAt: Date?, hasStripeSubscription: Bool) {
            self.status = status
            self.trialEndsAt = trialEndsAt
            self.hasStripeSubscription = hasStripeSubscription
        }

        /// The rule (the original's `HasActiveSubscription`): active, past due (Stripe is still
        /// retrying the payment), or trialing, where AuditMate's own trial ends at `trialEndsAt`.
        /// Every other status, `paused` and unknown ones included, does not allow premium features.
        public func allowsPremium(at now: Date = .now) -> Bool {
            switch status {
            case .active, .pastDue: true
            case .trialing: hasStripeSubscription || trialEndsAt.map { $0 > now } ?? true
            case .incomplete, .incompleteExpired, .canceled, .unpaid, .paused, .unknown: false
            }
        }
    }

    /// The columns the rule needs, of the `organizations` row aliased `alias`, for a caller that
    /// reads them in its own statement (authentication, on every request, in one round trip).
    /// Decode the three values and pass them to `standing(_:_:_:)`.
    static func columns(of alias: String) -> String {
        "\(alias).subscription_status, \(alias).trial_ends_at, \(alias).stripe_subscription_id IS NOT NULL"
    }

    /// The standing from the values of `columns(of:)`; nil when the row was absent (a LEFT JOIN
    /// that found no organization).
    static func standing(_ status: String?, _ trialEndsAt: Date?, _ subscribed: Bool?) -> Standing? {
        status.map {
            Standing(status: SubscriptionStatus(rawValue: $0), trialEndsAt: trialEndsAt, hasStripeSubscription: subscribed ?? false)
        }
    }

    /// Whether `organizationID` may use premium features at `now`, read on `connection` (inside the
    /// caller's transaction); false for an organization that does not exist.
    static func allowsPremium(_ organizationID: UUID, at now: Date, on connection: PostgresConnection, logger: Logger) async throws
        -> Bool
    {
        let rows = try await connection.query(
            "SELECT \(unescaped: columns(of: "o")) FROM organizations o WHERE o.id = \(organizationID)",
            logger: logger
        )
        for try await (status, trialEndsAt, subscribed) in rows.decode((String, Date?, Bool).self) {
            return Standing(status: SubscriptionStatus(rawValue: status), trialEndsAt: trialEndsAt, hasStripeSubscription: subscribed)
                .allowsPremium(at: now)
        }
        return false
    }

    /// The status and trial end as an organization shows them, for `Organization.columns`.
    static let organizationColumns = "subscription_status, trial_ends_at"
}
