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
        guard let event = try? JSONDecoder().decode(StripeEvent.self, from: Data(body)) else { throw BillingError.malformedEvent }

        let (outcome, changed): (WebhookOutcome, UUID?) = try await postgres.transaction(logger: logger) { connection in
            let inserted = try await connection.query(
                "INSERT INTO stripe_events (id, type) VALUES (\(event.id), \(event.type)) ON CONFLICT (id) DO NOTHING RETURNING id",
                logger: logger
            )
            var fresh = false
            for try await _ in inserted.decode(String.self) { fresh = true }
            guard fresh else { return (.duplicate, nil) }

            guard let change = SubscriptionChange(event, planForPrice: plan(forPrice:)) else { return (.ignored, nil) }
            guard let organizationID = try await organization(for: event.object, on: connection) else {
                logger.warning("Stripe event for an unknown customer", metadata: ["event": "\(event.id)", "type": "\(event.type)"])
                return (.ignored, nil)
            }
            try await connection.query(
                "UPDATE stripe_events SET organization_id = \(organizationID) WHERE id = \(event.id)",
                logger: logger
            )
            try await apply(change, of: event, to: organizationID, on: connection)
            return (.applied, organizationID)
        }
        // Every member's next request sees the new standing, on every replica.
        if let changed { await stamps.changed(.organization(changed)) }
        return outcome
    }

    /// The organization an event is about: its Stripe customer, else the metadata AuditMate put on
    /// the checkout session and subscription.
    private func organization(for object: StripeObject, on connection: PostgresConnection) async throws -> UUID? {
        if let customer = object.customer,
            let id = try await PremiumGate.organization(customer: customer, on: connection, logger: logger)
        {
            return id
        }
        let reference = object.metadata?["organization_id"] ?? object.clientReferenceID
        guard let reference, let id = UUID(uuidString: reference) else { return nil }
        let rows = try await connection.query("SELECT id FROM organizations WHERE id = \(id)", logger: logger)
        for try await id in rows.decode(UUID.self) { return id }
        return nil
    }

    private func apply(
        _ change: SubscriptionChange,
        of event: StripeEvent,
        to organizationID: UUID,
        on connection: PostgresConnection
    ) async throws {
        let current = try await PremiumGate.lockState(of: organizationID, on: connection, logger: logger)
        let previous = current?.status
        let appliedAt = current?.eventCreated ?? 0
        // The customer is linked whatever the event's age: it never changes for an organization.
        if let customer = change.customerID {
            try await PremiumGate.linkCustomer(customer, to: organizationID, on: connection, logger: logger)
        }
        let newer = event.created > appliedAt || (event.created == appliedAt && (change.terminal || previous != .canceled))
        guard newer else {
            logger.info("older Stripe event ignored", metadata: ["event": "\(event.id)", "type": "\(event.type)"])
            return
        }
        try await PremiumGate.apply(change, created: event.created, to: organizationID, on: connection, logger: logger)
        // "none" only when the organization was deleted since the event was matched to it.
        let from = previous?.rawValue ?? "none"
        try await AuditLog.record(
            AuditEvent(
                organizationID: organizationID,
                actorID: nil,
                system: .stripe,
                action: .subscriptionUpdated,
                targetType: .organization,
                targetID: organizationID.apiString,
                ip: "",
                metadata: ["event": event.id, "type": event.type, "from": from, "to": change.status?.rawValue ?? from]
            ),
            on: connection,
            logger: logger
        )
    }

    func plan(forPrice price: String) -> String? {
        settings.prices.first { $0.value == price }?.key
    }
}
