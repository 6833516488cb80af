import Foundation
import PostgresNIO

extension BillingService {
    public enum WebhookOutcome: Equatable, Sendable {
        case applied
        /// The event id was processed before (Stripe redelivers).
        case duplicate
        /// Not a type AuditMate acts on, or about an organization it does not know.
        case ignored
    }

    /// `POST billing/webhook/`: verifies the signature on the raw body, then applies the event once.
    /// The event id is recorded in the same transaction as its effect, so a failure leaves nothing
    /// half-written and Stripe's retry starts clean. An event older than the one that set the
    /// current state does not overwrite it, so any delivery order ends in the same state.
    public func handleWebhook(body: [UInt8], signature: String?, now: Date = .now) async throws -> WebhookOutcome {
        guard StripeSignature.isValid(header: signature, body: body, secrets: settings.webhookSecrets, now: now) else {
            throw BillingError.invalidSignature
        }
        guard let event = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
            let id = event["id"] as? String, let type = event["type"] as? String,
            let created = event["created"] as? Int,
            let object = (event["data"] as? [String: Any])?["object"] as? [String: Any]
        else { throw BillingError.malformedEvent }

        return try await postgres.transaction(logger: logger) { connection in
            let inserted = try await connection.query(
                "INSERT INTO stripe_events (id, type) VALUES (\(id), \(type)) ON CONFLICT (id) DO NOTHING RETURNING id",
                logger: logger
            )
            var fresh = false
            for try await _ in inserted.decode(String.self) { fresh = true }
            guard fresh else { return .duplicate }

            guard let change = change(for: type, object: object) else { return .ignored }
            guard let organizationID = try await organization(for: object, on: connection) else {
                logger.warning("Stripe event for an unknown customer", metadata: ["event": "\(id)", "type": "\(type)"])
                return .ignored
            }
            try await connection.query("UPDATE stripe_events SET organization_id = \(organizationID) WHERE id = \(id)", logger: logger)
            try await apply(change, created: created, eventID: id, type: type, to: organizationID, on: connection)
            return .applied
        }
    }

    /// What an event says about the subscription; nil for types AuditMate ignores.
    struct Change {
        var status: String?
        var plan: String?
        var customerID: String?
        var subscriptionID: String?
        var currentPeriodEnd: Date?
        var cancelAtPeriodEnd: Bool?
        var trialEndsAt: Date?
        /// Deletion wins a tie with an update carrying the same timestamp.
        var terminal = false
    }

    func change(for type: String, object: [String: Any]) -> Change? {
        let metadata = object["metadata"] as? [String: Any] ?? [:]
        switch type {
        case "checkout.session.completed":
            return Change(
                status: "active",
                plan: metadata["plan"] as? String,
                customerID: object["customer"] as? String,
                subscriptionID: object["subscription"] as? String
            )
        case "customer.subscription.created", "customer.subscription.updated", "customer.subscription.deleted":
            let deleted = type == "customer.subscription.deleted"
            let priceID =
                (((object["items"] as? [String: Any])?["data"] as? [[String: Any]])?.first?["price"] as? [String: Any])?["id"] as? String
            return Change(
                // Any status Stripe sends is stored, known or not (`paused`, future ones); premium is
                // decided from the known ones (`Subscription.allowsPremium`).
                status: deleted ? "canceled" : (object["status"] as? String).flatMap { $0.isEmpty ? nil : $0 },
                plan: metadata["plan"] as? String ?? priceID.flatMap(plan(forPrice:)),
                customerID: object["customer"] as? String,
                subscriptionID: object["id"] as? String,
                currentPeriodEnd: date(object["current_period_end"]),
                cancelAtPeriodEnd: object["cancel_at_period_end"] as? Bool,
                trialEndsAt: date(object["trial_end"]),
                terminal: deleted
            )
        case "invoice.paid":
            return Change(status: "active", customerID: object["customer"] as? String, subscriptionID: object["subscription"] as? String)
        case "invoice.payment_failed":
            return Change(status: "past_due", customerID: object["customer"] as? String, subscriptionID: object["subscription"] as? String)
        default:
            return nil
        }
    }

    /// The organization an event is about: its Stripe customer, else the metadata AuditMate put on
    /// the checkout session and subscription.
    private func organization(for object: [String: Any], on connection: PostgresConnection) async throws -> UUID? {
        if let customer = object["customer"] as? String {
            let rows = try await connection.query("SELECT id FROM organizations WHERE stripe_customer_id = \(customer)", logger: logger)
            for try await id in rows.decode(UUID.self) { return id }
        }
        let metadata = object["metadata"] as? [String: Any] ?? [:]
        let reference = metadata["organization_id"] as? String ?? object["client_reference_id"] as? String
        guard let reference, let id = UUID(uuidString: reference) else { return nil }
        let rows = try await connection.query("SELECT id FROM organizations WHERE id = \(id)", logger: logger)
        for try await id in rows.decode(UUID.self) { return id }
        return nil
    }

    private func apply(
        _ change: Change,
        created: Int,
        eventID: String,
        type: String,
        to organizationID: UUID,
        on connection: PostgresConnection
    ) async throws {
        let current = try await connection.query(
            "SELECT subscription_status, subscription_event_at FROM organizations WHERE id = \(organizationID) FOR UPDATE",
            logger: logger
        )
        var previous = "none"
        var appliedAt = 0
        for try await (status, at) in current.decode((String, Int).self) {
            previous = status
            appliedAt = at
        }
        // The customer is linked whatever the event's age: it never changes for an organization.
        if let customer = change.customerID {
            try await connection.query(
                "UPDATE organizations SET stripe_customer_id = COALESCE(stripe_customer_id, \(customer)) WHERE id = \(organizationID)",
                logger: logger
            )
        }
        let newer = created > appliedAt || (created == appliedAt && (change.terminal || previous != "canceled"))
        guard newer else {
            logger.info("older Stripe event ignored", metadata: ["event": "\(eventID)", "type": "\(type)"])
            return
        }
        try await connection.query(
            """
            UPDATE organizations SET
                subscription_status = COALESCE(\(change.status), subscription_status),
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
        let status = change.status ?? previous
        try await AuditLog.record(
            AuditEvent(
                organizationID: organizationID,
                actorID: nil,
                system: .stripe,
                action: "subscription.updated",
                targetType: "organization",
                targetID: organizationID.apiString,
                ip: "",
                metadata: ["event": eventID, "type": type, "from": previous, "to": status]
            ),
            on: connection,
            logger: logger
        )
    }

    func plan(forPrice price: String) -> String? {
        settings.prices.first { $0.value == price }?.key
    }

    /// Unix seconds from Stripe; anything outside 1970-9999 is no date (and never reaches PostgreSQL).
    private func date(_ value: Any?) -> Date? {
        OutsideValue.epochSeconds(json: value)
    }
}
