import Core
import Foundation
import HTTPTypes
import Logging
import PostgresNIO
import TestSupport
import Testing

@testable import AuditAPI

@Suite("Billing")
struct BillingTests {
    static let webhookSecret = "whsec_test_current"

    /// The API pointed at a fake Stripe selling `pro` and `team`.
    static func withStripe<Value: Sendable>(
        extra: [String: String] = [:],
        _ body: @Sendable (APIClient, AppConfig, FakeStripe) async throws -> Value
    ) async throws -> Value {
        let stripe = try await FakeStripe(prices: ["price_pro", "price_team"])
        defer { stripe.shutdown() }
        let environment = [
            "STRIPE_API_URL": stripe.url, "STRIPE_SECRET_KEY": FakeStripe.secretKey,
            "STRIPE_WEBHOOK_SECRET": webhookSecret, "STRIPE_PRICES": "pro=price_pro,team=price_team",
            "PUBLIC_URL": "https://api.auditmate.test",
        ].merging(extra) { _, new in new }
        return try await withIdentityAPI(extra: environment) { api, config in try await body(api, config, stripe) }
    }

    /// A Stripe event as Stripe shapes it.
    static func event(_ type: String, id: String = "evt_\(UUID().uuidString.prefix(12))", created: Int, object: [String: Any]) -> [UInt8] {
        let event: [String: Any] = [
            "id": id, "object": "event", "type": type, "created": created, "api_version": "2024-06-20",
            "livemode": false, "data": ["object": object],
        ]
        return Array(try! JSONSerialization.data(withJSONObject: event, options: [.sortedKeys]))
    }

    static func subscriptionObject(customer: String, status: String, price: String = "price_pro", periodEnd: Int = 1_900_000_000)
        -> [String: Any]
    {
        [
            "id": "sub_123", "object": "subscription", "customer": customer, "status": status,
            "current_period_end": periodEnd, "cancel_at_period_end": false,
            "items": ["object": "list", "data": [["price": ["id": price]]]],
        ]
    }

    func deliver(_ api: APIClient, _ body: [UInt8], signature: String?) async throws -> (HTTPResponse.Status, [String: Any]) {
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        if let signature { headers[HTTPField.Name("Stripe-Signature")!] = signature }
        let response = try await api.client.execute(
            uri: "/api/v1/billing/webhook/",
            method: .post,
            headers: headers,
            body: .init(bytes: body)
        )
        return (response.status, try response.json())
    }

    func signed(_ body: [UInt8], secret: String = webhookSecret, at time: Date = .now) -> String {
        StripeSignature.header(for: body, secret: secret, time: time)
    }

    func subscription(_ api: APIClient, _ account: Account) async throws -> [String: Any] {
        try await api.request(.get, "/api/v1/billing/subscription/", token: account.access).json()
    }

    /// The admin's organization with its Stripe customer created (through a checkout).
    func customer(_ api: APIClient, _ admin: Account, _ stripe: FakeStripe) async throws -> String {
        _ = try await api.request(.post, "/api/v1/billing/checkout/", json: ["plan": "pro"], token: admin.access)
        return try #require(stripe.requests.last { $0.path == "/v1/checkout/sessions" }?.form["customer"])
    }

    @Test func checkoutCreatesTheCustomerOnceAndASubscriptionSession() async throws {
        try await Self.withStripe { api, _, stripe in
            let admin = try await api.register()
            let first = try await api.request(.post, "/api/v1/billing/checkout/", json: ["plan": "pro"], token: admin.access)
            #expect(first.status == .ok)
            let session = try first.json()
            #expect((session["url"] as? String)?.hasPrefix("https://checkout.stripe.com/") == true)
            #expect((session["session_id"] as? String)?.hasPrefix("cs_test_") == true)
            _ = try await api.request(.post, "/api/v1/billing/checkout/", json: ["plan": "team"], token: admin.access)

            let customers = stripe.requests.filter { $0.path == "/v1/customers" }
            #expect(customers.count == 1, "one Stripe customer per organization")
            #expect(customers.first?.form["metadata[organization_id]"] == admin.organizationID)
            let checkout = try #require(stripe.requests.first { $0.path == "/v1/checkout/sessions" })
            #expect(checkout.form["mode"] == "subscription")
            #expect(checkout.form["line_items[0][price]"] == "price_pro")
            #expect(checkout.form["client_reference_id"] == admin.organizationID)
            #expect(checkout.form["metadata[organization_id]"] == admin.organizationID)
            #expect(checkout.form["success_url"]?.hasPrefix("https://api.auditmate.test/") == true)
            #expect(checkout.form["cancel_url"]?.hasPrefix("https://api.auditmate.test/") == true)
            for request in stripe.requests {
                #expect(request.headers["stripe-version"] == StripeClient.apiVersion)
                #expect(request.headers["idempotency-key"]?.isEmpty == false)
                #expect(request.headers["content-type"] == "application/x-www-form-urlencoded")
            }

            let unknown = try await api.request(.post, "/api/v1/billing/checkout/", json: ["plan": "platinum"], token: admin.access)
            #expect(unknown.status == .badRequest)
            #expect(try unknown.json()["plan"] as? [String] == ["Unknown plan \"platinum\"; choose one of: pro, team."])

            let portal = try await api.request(.post, "/api/v1/billing/portal/", token: admin.access)
            #expect(portal.status == .ok)
            #expect((try portal.json()["url"] as? String)?.hasPrefix("https://billing.stripe.com/") == true)
        }
    }

    @Test func stripeErrorsAreA502WithoutTheKey() async throws {
        try await Self.withStripe(extra: ["STRIPE_PRICES": "pro=price_missing"]) { api, _, stripe in
            let admin = try await api.register()
            let refused = try await api.request(.post, "/api/v1/billing/checkout/", json: ["plan": "pro"], token: admin.access)
            #expect(refused.status == .badGateway)
            #expect(try refused.json()["detail"] as? String == "Stripe: No such price: 'price_missing'")
            stripe.failNext(1)
            let down = try await api.request(.post, "/api/v1/billing/portal/", token: admin.access)
            #expect(down.status == .badGateway)
            #expect(!down.text.contains(FakeStripe.secretKey))
        }
        try await Self.withStripe(extra: ["STRIPE_SECRET_KEY": "sk_test_wrong_key"]) { api, _, _ in
            let admin = try await api.register()
            let response = try await api.request(.post, "/api/v1/billing/portal/", token: admin.access)
            #expect(response.status == .badGateway)
            #expect(!response.text.contains("sk_test_wrong_key"))
        }
    }

    @Test func newOrganizationsAreOnATrial() async throws {
        try await Self.withStripe(extra: ["TRIAL_DAYS": "30"]) { api, _, _ in
            let admin = try await api.register()
            let body = try await subscription(api, admin)
            #expect(body["status"] as? String == "trialing")
            #expect(body["plan"] is NSNull)
            #expect(body["current_period_end"] is NSNull)
            #expect(body["cancel_at_period_end"] as? Bool == false)
            let trialEnd = try #require((body["trial_ends_at"] as? String).flatMap { try? Date($0, strategy: .iso8601) })
            #expect(abs(trialEnd.timeIntervalSinceNow - 30 * 86_400) < 600)
        }
    }

    @Test func signaturesAreVerifiedOnTheRawBody() async throws {
        try await Self.withStripe(extra: ["STRIPE_WEBHOOK_SECRET": "whsec_old,\(Self.webhookSecret)"]) { api, _, stripe in
            let admin = try await api.register()
            let customer = try await customer(api, admin, stripe)
            let now = Int(Date.now.timeIntervalSince1970)
            let body = Self.event(
                "customer.subscription.updated",
                created: now,
                object: Self.subscriptionObject(customer: customer, status: "active")
            )

            #expect(try await deliver(api, body, signature: nil).0 == .badRequest)
            #expect(try await deliver(api, body, signature: signed(body, secret: "whsec_wrong")).0 == .badRequest)
            #expect(try await deliver(api, body, signature: signed(body, at: .now.addingTimeInterval(-301))).0 == .badRequest)
            var tampered = body
            tampered[tampered.count / 2] ^= 0x01
            #expect(try await deliver(api, tampered, signature: signed(body)).0 == .badRequest)
            #expect(try await subscription(api, admin)["status"] as? String == "trialing", "nothing applied yet")

            // Two v1 signatures (Stripe sends one per secret while rolling); one valid is enough.
            let good = signed(body)
            let wrong = String(repeating: "0", count: 64)
            let twoSignatures = good.replacingOccurrences(of: ",v1=", with: ",v1=\(wrong),v1=")
            let (status, receipt) = try await deliver(api, body, signature: twoSignatures)
            #expect(status == .ok)
            #expect(receipt["outcome"] as? String == "applied")
            #expect(try await subscription(api, admin)["status"] as? String == "active")
            #expect(try await subscription(api, admin)["plan"] as? String == "pro")

            // The older configured secret still verifies during rotation.
            let other = Self.event("invoice.payment_failed", created: now + 1, object: ["customer": customer, "subscription": "sub_123"])
            #expect(try await deliver(api, other, signature: signed(other, secret: "whsec_old")).0 == .ok)
            #expect(try await subscription(api, admin)["status"] as? String == "past_due")
        }
    }

    @Test func eventsApplyOnceInAnyOrder() async throws {
        try await Self.withStripe { api, config, stripe in
            let admin = try await api.register()
            let customer = try await customer(api, admin, stripe)
            let t = Int(Date.now.timeIntervalSince1970) - 100
            let created = Self.event(
                "customer.subscription.created",
                created: t,
                object: Self.subscriptionObject(customer: customer, status: "incomplete")
            )
            let updated = Self.event(
                "customer.subscription.updated",
                created: t + 10,
                object: Self.subscriptionObject(customer: customer, status: "active", price: "price_team")
            )
            let deleted = Self.event(
                "customer.subscription.deleted",
                created: t + 20,
                object: Self.subscriptionObject(customer: customer, status: "canceled", price: "price_team")
            )

            // Delivered newest first: the older events must not overwrite the newer state.
            for event in [deleted, updated, created] {
                #expect(try await deliver(api, event, signature: signed(event)).0 == .ok)
            }
            var state = try await subscription(api, admin)
            #expect(state["status"] as? String == "canceled")
            #expect(state["plan"] as? String == "team")

            // A replay is acknowledged and changes nothing.
            let (status, receipt) = try await deliver(api, updated, signature: signed(updated))
            #expect(status == .ok)
            #expect(receipt["outcome"] as? String == "duplicate")
            state = try await subscription(api, admin)
            #expect(state["status"] as? String == "canceled")

            let unknown = Self.event("customer.tax_id.created", created: t + 30, object: ["customer": customer])
            let (unknownStatus, unknownReceipt) = try await deliver(api, unknown, signature: signed(unknown))
            #expect(unknownStatus == .ok)
            #expect(unknownReceipt["outcome"] as? String == "ignored")

            let log = try await api.request(.get, "/api/v1/audit-log/", token: admin.access)
            let changes =
                (try log.json()["results"] as? [[String: Any]])?.filter { $0["action"] as? String == "subscription.updated" } ?? []
            #expect(changes.count == 1, "only the deletion changed anything; the older events were ignored")
            #expect((changes.first?["actor"] as? [String: Any])?["name"] as? String == "stripe")
            #expect((changes.first?["actor"] as? [String: Any])?["type"] as? String == "system")

            let recorded = try await TestDatabase.withConnection(config.database) { connection in
                let rows = try await connection.query("SELECT count(*) FROM stripe_events", logger: Logger(label: "t"))
                var count = 0
                for try await value in rows.decode(Int.self) { count = value }
                return count
            }
            #expect(recorded == 4)
        }
    }

    @Test func inOrderAndOutOfOrderDeliveryEndTheSame() async throws {
        try await Self.withStripe { api, _, stripe in
            var finals: [[String]] = []
            for order in [[0, 1, 2], [2, 0, 1], [1, 2, 0]] {
                let admin = try await api.register()
                let customer = try await customer(api, admin, stripe)
                let t = Int(Date.now.timeIntervalSince1970) - 100
                let events = [
                    Self.event(
                        "customer.subscription.updated",
                        created: t,
                        object: Self.subscriptionObject(customer: customer, status: "trialing")
                    ),
                    Self.event("invoice.payment_failed", created: t + 5, object: ["customer": customer, "subscription": "sub_123"]),
                    Self.event(
                        "customer.subscription.updated",
                        created: t + 9,
                        object: Self.subscriptionObject(customer: customer, status: "active", periodEnd: 1_950_000_000)
                    ),
                ]
                for index in order { _ = try await deliver(api, events[index], signature: signed(events[index])) }
                let state = try await subscription(api, admin)
                finals.append([state["status"] as? String ?? "", state["current_period_end"] as? String ?? ""])
            }
            #expect(finals.allSatisfy { $0 == finals[0] })
            #expect(finals[0][0] == "active")
        }
    }

    @Test func aFailedEventLeavesNothingAndCanBeRetried() async throws {
        try await Self.withStripe { api, _, stripe in
            let admin = try await api.register()
            let customer = try await customer(api, admin, stripe)
            let id = "evt_retry_\(UUID().uuidString.prefix(8))"
            let now = Int(Date.now.timeIntervalSince1970)
            // A status the schema does not allow (every real one is short) makes the update fail
            // inside the transaction.
            let broken = Self.event(
                "customer.subscription.updated",
                id: id,
                created: now,
                object: Self.subscriptionObject(customer: customer, status: String(repeating: "x", count: 100))
            )
            let (status, _) = try await deliver(api, broken, signature: signed(broken))
            #expect(status == .internalServerError)
            #expect(try await subscription(api, admin)["status"] as? String == "trialing")

            let fixed = Self.event(
                "customer.subscription.updated",
                id: id,
                created: now,
                object: Self.subscriptionObject(customer: customer, status: "active")
            )
            let (retried, receipt) = try await deliver(api, fixed, signature: signed(fixed))
            #expect(retried == .ok)
            #expect(receipt["outcome"] as? String == "applied", "the failed attempt did not record the event id")
            #expect(try await subscription(api, admin)["status"] as? String == "active")
        }
    }

    @Test func checkoutCompletionActivates() async throws {
        try await Self.withStripe { api, _, stripe in
            let admin = try await api.register()
            let customer = try await customer(api, admin, stripe)
            let event = Self.event(
                "checkout.session.completed",
                created: Int(Date.now.timeIntervalSince1970),
                object: [
                    "id": "cs_test_1", "object": "checkout.session", "customer": customer, "subscription": "sub_999",
                    "client_reference_id": admin.organizationID, "metadata": ["organization_id": admin.organizationID, "plan": "team"],
                    "status": "complete", "payment_status": "paid",
                ]
            )
            #expect(try await deliver(api, event, signature: signed(event)).0 == .ok)
            let state = try await subscription(api, admin)
            #expect(state["status"] as? String == "active")
            #expect(state["plan"] as? String == "team")
        }
    }

    @Test func aPremiumEndpointFollowsTheSubscription() async throws {
        try await Self.withStripe { api, config, stripe in
            let admin = try await api.register()
            let organization = try #require(UUID(uuidString: admin.organizationID))
            _ = try await IdentityFixtures.integration(
                in: organization,
                token: "ghp_unused",
                baseURL: config.github.apiURL,
                fernetKeys: config.secrets.fernetKeys,
                database: config.database
            )
            let start: @Sendable () async throws -> (HTTPResponse.Status, String?) = {
                let response = try await api.request(.post, "/api/v1/audits/start/", json: [:], token: admin.access)
                return (response.status, try response.json()["detail"] as? String)
            }
            #expect(try await start().0 == .accepted, "the trial allows premium features")

            let customer = try await customer(api, admin, stripe)
            let t = Int(Date.now.timeIntervalSince1970) - 60
            let deleted = Self.event(
                "customer.subscription.deleted",
                created: t,
                object: Self.subscriptionObject(customer: customer, status: "canceled")
            )
            #expect(try await deliver(api, deleted, signature: signed(deleted)).0 == .ok)
            let refused = try await start()
            #expect(refused.0.code == 402)
            #expect(refused.1 == "An active subscription is required.")
            // Reading stays open to everyone.
            #expect(try await api.request(.get, "/api/v1/audits/", token: admin.access).status == .ok)

            let renewed = Self.event(
                "customer.subscription.updated",
                created: t + 30,
                object: Self.subscriptionObject(customer: customer, status: "active")
            )
            #expect(try await deliver(api, renewed, signature: signed(renewed)).0 == .ok)
            #expect(try await start().0 == .accepted)

            let failed = Self.event("invoice.payment_failed", created: t + 40, object: ["customer": customer, "subscription": "sub_123"])
            #expect(try await deliver(api, failed, signature: signed(failed)).0 == .ok)
            #expect(try await start().0 == .accepted, "past_due keeps premium features while Stripe retries")

            let unpaid = Self.event(
                "customer.subscription.updated",
                created: t + 50,
                object: Self.subscriptionObject(customer: customer, status: "unpaid")
            )
            #expect(try await deliver(api, unpaid, signature: signed(unpaid)).0 == .ok)
            #expect(try await start().0.code == 402)
        }
    }

    @Test func anEndedTrialClosesPremiumFeatures() async throws {
        try await Self.withStripe { api, config, _ in
            let admin = try await api.register()
            let organization = try #require(UUID(uuidString: admin.organizationID))
            _ = try await IdentityFixtures.integration(
                in: organization,
                token: "ghp_unused",
                baseURL: config.github.apiURL,
                fernetKeys: config.secrets.fernetKeys,
                database: config.database
            )
            try await TestDatabase.withConnection(config.database) { connection in
                try await connection.query(
                    "UPDATE organizations SET trial_ends_at = now() - interval '1 hour' WHERE id = \(organization)",
                    logger: Logger(label: "t")
                )
            }
            let response = try await api.request(.post, "/api/v1/audits/start/", json: [:], token: admin.access)
            #expect(response.status.code == 402)
        }
    }
}
