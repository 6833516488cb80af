import Foundation
import Logging
import PostgresNIO

/// Subscriptions through Stripe: Checkout to subscribe, the customer portal to manage, and the
/// webhooks that tell AuditMate what the subscription is.
public struct BillingService: Sendable {
    let postgres: PostgresClient
    let stripe: StripeClient
    let settings: BillingSettings
    /// Where a subscription change is announced to the API replicas' principal caches.
    let stamps: PrincipalStamps
    let logger: Logger

    public init(postgres: PostgresClient, stripe: StripeClient, settings: BillingSettings, stamps: PrincipalStamps, logger: Logger) {
        self.postgres = postgres
        self.stripe = stripe
        self.settings = settings
        self.stamps = stamps
        self.logger = logger
    }

    /// `POST billing/checkout/` (ADMIN): a Checkout Session in subscription mode for `plan`'s price.
    /// `returnBase` is where Stripe sends the browser back (`PUBLIC_URL`).
    public func checkout(_ principal: Principal, plan rawPlan: String, returnBase: String, ip: String) async throws -> (
        url: String, sessionID: String
    ) {
        let organizationID = try principal.organization()
        try principal.authorize(.manageBilling)
        let plan = rawPlan.trimmingCharacters(in: .whitespaces).lowercased()
        guard let price = settings.prices[plan] else {
            let known = settings.prices.keys.sorted().joined(separator: ", ")
            throw BillingError.validation([
                "plan": ["Unknown plan \"\(rawPlan)\"; choose one of: \(known.isEmpty ? "(none configured)" : known)."]
            ])
        }
        let customer = try await customerID(for: organizationID, principal: principal)
        let session = try await stripe.post(
            "checkout/sessions",
            fields: [
                ("mode", "subscription"),
                ("customer", customer),
                ("line_items[0][price]", price),
                ("line_items[0][quantity]", "1"),
                ("client_reference_id", organizationID.apiString),
                ("metadata[organization_id]", organizationID.apiString),
                ("metadata[plan]", plan),
                ("subscription_data[metadata][organization_id]", organizationID.apiString),
                ("subscription_data[metadata][plan]", plan),
                ("success_url", returnBase + "/billing/success/?session_id={CHECKOUT_SESSION_ID}"),
                ("cancel_url", returnBase + "/billing/cancel/"),
            ],
            idempotencyKey: "checkout-" + UUID().apiString,
            as: StripeCheckoutSession.self
        )
        guard let id = session?.id, let url = session?.url else {
            throw BillingError.upstream("Stripe: the checkout session has no URL")
        }
        try await postgres.transaction(logger: logger) { connection in
            try await AuditLog.record(
                AuditEvent(
                    organizationID: organizationID,
                    actorID: principal.userID,
                    action: .checkoutStarted,
                    targetType: .organization,
                    targetID: organizationID.apiString,
                    ip: ip,
                    metadata: ["plan": plan, "session": id]
                ),
                on: connection,
                logger: logger
            )
        }
        return (url, id)
    }

    /// `POST billing/portal/` (ADMIN): a customer-portal session to manage the subscription.
    public func portal(_ principal: Principal, returnBase: String) async throws -> String {
        let organizationID = try principal.organization()
        try principal.authorize(.manageBilling)
        let customer = try await customerID(for: organizationID, principal: principal)
        let session = try await stripe.post(
            "billing_portal/sessions",
            fields: [("customer", customer), ("return_url", returnBase + "/billing/")],
            idempotencyKey: "portal-" + UUID().apiString,
            as: StripePortalSession.self
        )
        guard let url = session?.url else { throw BillingError.upstream("Stripe: the portal session has no URL") }
        return url
    }

    /// `GET billing/subscription/` (any member).
    public func subscription(_ principal: Principal) async throws -> Subscription {
        let organizationID = try principal.organization()
        try principal.authorize(.read)
        guard let subscription = try await PremiumGate.subscription(of: organizationID, postgres: postgres, logger: logger) else {
            throw NotFound(.organization)
        }
        return subscription
    }

    /// The organization's Stripe customer, created once. The idempotency key is the organization,
    /// so concurrent first checkouts get the same customer from Stripe, and the row keeps the first.
    private func customerID(for organizationID: UUID, principal: Principal) async throws -> String {
        let current = try await PremiumGate.customer(of: organizationID, postgres: postgres, logger: logger)
        if let existing = current?.customerID { return existing }
        let name = current?.organizationName ?? ""
        let customer = try await stripe.post(
            "customers",
            fields: [
                ("name", name),
                ("email", principal.email),
                ("metadata[organization_id]", organizationID.apiString),
            ],
            idempotencyKey: "customer-" + organizationID.apiString,
            as: StripeCustomer.self
        )
        guard let id = customer?.id else { throw BillingError.upstream("Stripe: the customer has no id") }
        let stored = try await postgres.withConnection { connection in
            try await PremiumGate.linkCustomer(id, to: organizationID, on: connection, logger: logger)
        }
        return stored ?? id
    }
}
