import Foundation
import Logging
import PostgresNIO

/// The billing endpoints' statements on the subscription columns of `organizations`: the
/// subscription as shown, the Stripe customer, and the state each webhook event moves it to.
extension PremiumGate {
    /// The subscription as `GET billing/subscription/` shows it; nil for an unknown organization.
    static func subscription(of organizationID: UUID, postgres: PostgresClient, logger: Logger) async throws -> Subscription? {
        let rows = try await postgres.query(
            """
            SELECT subscription_status, plan, current_period_end, cancel_at_period_end, trial_ends_at,
                   stripe_subscription_id IS NOT NULL
            FROM organizations WHERE id = \(organizationID)
            """,
            logger: logger
        )
        for try await (status, plan, periodEnd, cancelAtEnd, trialEnds, subscribed) in rows.decode(
            (String, String?, Date?, Bool, Date?, Bool).self
        ) {
            return Subscription(
                status: SubscriptionStatus(rawValue: status),
                plan: plan,
                currentPeriodEnd: periodEnd,
                cancelAtPeriodEnd: cancelAtEnd,
                trialEndsAt: trialEnds,
                hasStripeSubscription: subscribed
            )
        }
        return nil
    }

    /// The organization's Stripe customer (nil before its first checkout) and its name, which a
    /// new customer is created with; nil for an unknown organization.
    static func customer(of organizationID: UUID, postgres: PostgresClient, logger: Logger) async throws -> (
        customerID: String?, organizationName: String
    )? {
        let rows = try await postgres.query(
            "SELECT stripe_customer_id, name FROM organizations WHERE id = \(organizationID)",
            logger: logger
        )
        for try await (customer, name) in rows.decode((String?, String).self) { return (customer, name) }
        return nil
    }

    /// Links `customerID` to the organization unless one is linked already (an organization's
    /// customer never changes); returns the customer linked now.
    @discardableResult
    static func linkCustomer(_ customerID: String, to organizationID: UUID, on connection: PostgresConnection, logger: Logger)
        async throws -> String?
    {
        let rows = try await connection.query(
            """
            UPDATE organizations SET stripe_customer_id = COALESCE(stripe_customer_id, \(customerID))
            WHERE id = \(organizationID) RETURNING stripe_customer_id
            """,
            logger: logger
        )
        for try await value in rows.decode(String?.self) { return value }
        return nil
    }

    /// The organization whose Stripe customer is `customerID`.
    static func organization(customer customerID: String, on connection: PostgresConnection, logger: Logger) async throws -> UUID? {
        let rows = try await connection.query("SELECT id FROM organizations WHERE stripe_customer_id = \(customerID)", logger: logger)
        for try await id in rows.decode(UUID.self) { return id }
        return nil
    }

    /// Locks the organization's subscription until the transaction ends and returns its status and
    /// the `created` time of the event that set it (0 before any); nil for an unknown organization.
    static func lockState(of organizationID: UUID, on connection: PostgresConnection, logger: Logger) async throws -> (
        status: SubscriptionStatus, eventCreated: Int
    )? {
        let rows = try await connection.query(
            "SELECT subscription_status, subscription_event_at FROM organizations WHERE id = \(organizationID) FOR UPDATE",
            logger: logger
        )
        for try await (status, created) in rows.decode((String, Int).self) { return (SubscriptionStatus(rawValue: status), created) }
        return nil
    }

    /// Writes the fields `change` sets, as of the event created at `created`.
    static func apply(
        _ change: SubscriptionChange,
        created: Int,
        to organizationID: UUID,
        on connection: PostgresConnection,
        logger: Logger
    ) async throws {
        try await connection.query(
            """
            UPDATE organizations SET
                subscription_status = COALESCE(\(change.status?.rawValue), subscription_status),
                plan = COALESCE(\(change.plan), plan),
                stripe_subscription_id = COALESCE(\(change.subscriptionID), stripe_subscription_id),
                current_period_end = COALESCE(\(change.currentPeriodEnd), current_period_end),
                cancel_at_period_end = COALESCE(\(change.cancelAtPeriodEnd), cancel_at_period_end),
                trial_ends_at = COALESCE(\(change.trialEndsAt), trial_ends_at),
                subscription_event_at = \(created)
            WHERE id = \(organizationID)
            """,
            logger: logger
        )
    }
}
