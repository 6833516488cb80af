import Core
import Foundation
import HTTPTypes
import TestSupport
import Testing

@testable import AuditAPI

extension Security {
    /// Every subscription status Stripe documents, and any it adds later, is stored and answered
    /// 200; only the paying ones allow premium features. (`paused` used to fail a CHECK constraint
    /// and answer 500 forever, so Stripe retried it for days.)
    @Suite("Stripe statuses")
    struct StripeStatusTests {
        @Test func everyStatusIsStoredAndOnlyPayingOnesAllowPremium() async throws {
            try await BillingTests.withStripe { api, _, stripe in
                let billing = BillingTests()
                let admin = try await api.register()
                let customer = try await billing.customer(api, admin, stripe)
                var created = Int(Date.now.timeIntervalSince1970)
                let expectations: [(String, Bool)] = [
                    ("paused", false), ("active", true), ("incomplete_expired", false), ("past_due", true), ("unpaid", false),
                    ("incomplete", false), ("canceled", false), ("a_status_from_2030", false), ("trialing", true),
                ]
                for (status, premium) in expectations {
                    created += 1
                    var object = BillingTests.subscriptionObject(customer: customer, status: status)
                    // Out-of-range dates from a webhook are ignored, never stored or trapped on.
                    object["trial_end"] = 9_223_372_036_854_775_807
                    object["current_period_end"] = 1e308
                    let event = BillingTests.event("customer.subscription.updated", created: created, object: object)
                    let (code, receipt) = try await billing.deliver(api, event, signature: billing.signed(event))
                    #expect(code == .ok, "\(status)")
                    #expect(receipt["outcome"] as? String == "applied", "\(status)")
                    let state = try await billing.subscription(api, admin)
                    #expect(state["status"] as? String == status)
                    #expect(state["allows_premium"] as? Bool == premium, "\(status)")
                    let start = try await api.request(.post, "/api/v1/audits/start/", json: [:], token: admin.access)
                    // Premium allowed: the start gets past the gate (400: no integration); refused: 402.
                    #expect(start.status == (premium ? .badRequest : HTTPResponse.Status(code: 402)), "\(status): \(start.text)")
                }

                // The security log names Stripe as the actor.
                let log = try await api.request(.get, "/api/v1/audit-log/", token: admin.access).json()
                let entry = try #require((log["results"] as? [[String: Any]])?.first { $0["action"] as? String == "subscription.updated" })
                let actor = try #require(entry["actor"] as? [String: Any])
                #expect(actor["type"] as? String == "system")
                #expect(actor["name"] as? String == "stripe")
                #expect(actor["id"] is NSNull)
                #expect((entry["metadata"] as? [String: String])?["actor"] == nil)
            }
        }
    }
}
