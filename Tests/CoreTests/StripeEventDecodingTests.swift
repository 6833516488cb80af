import Foundation
import Testing

@testable import Core

@Suite("Stripe event decoding")
struct StripeEventDecodingTests {
    static func event(_ json: String) throws -> StripeEvent {
        try JSONDecoder().decode(StripeEvent.self, from: Data(json.utf8))
    }

    @Test func aSubscriptionEventNamesItsPlanAndDatesAndIgnoresOtherFields() throws {
        let event = try Self.event(
            """
            {"id": "evt_1", "type": "customer.subscription.updated", "created": 1700000000, "livemode": false,
             "data": {"object": {"id": "sub_1", "customer": "cus_1", "status": "paused", "cancel_at_period_end": true,
              "current_period_end": 1700086400, "trial_end": null, "metadata": {"plan": "team", "count": 3},
              "items": {"data": [{"price": {"id": "price_team"}}]}}}}
            """
        )
        #expect(event.kind == .subscriptionUpdated)
        let change = try #require(SubscriptionChange(event, planForPrice: { _ in nil }))
        #expect(change.status == .paused)
        #expect(change.plan == "team")
        #expect(change.subscriptionID == "sub_1")
        #expect(change.customerID == "cus_1")
        #expect(change.cancelAtPeriodEnd == true)
        #expect(change.currentPeriodEnd == Date(timeIntervalSince1970: 1_700_086_400))
        #expect(change.trialEndsAt == nil)
        #expect(event.object.priceID == "price_team")
    }

    @Test func fieldsOfAnotherTypeAreAbsentAndUnknownTypesChangeNothing() throws {
        let expanded = try Self.event(
            """
            {"id": "evt_2", "type": "invoice.paid", "created": 1,
             "data": {"object": {"customer": {"id": "cus_1"}, "subscription": "sub_1", "current_period_end": 1e300}}}
            """
        )
        #expect(expanded.object.customer == nil)
        #expect(expanded.object.currentPeriodEnd == nil)
        #expect(SubscriptionChange(expanded, planForPrice: { _ in nil })?.status == .active)

        let other = try Self.event(#"{"id": "evt_3", "type": "charge.refunded", "created": 1, "data": {"object": {}}}"#)
        #expect(other.kind == nil)
        #expect(SubscriptionChange(other, planForPrice: { _ in nil }) == nil)
        #expect(throws: (any Error).self) { try Self.event(#"{"id": "evt_4", "type": "invoice.paid", "created": 1}"#) }
    }

    @Test func everyStatusKeepsItsSpelling() {
        for status in SubscriptionStatus.known { #expect(SubscriptionStatus(rawValue: status.rawValue) == status) }
        #expect(SubscriptionStatus(rawValue: "some_future_status") == .unknown("some_future_status"))
        #expect(SubscriptionStatus(rawValue: "none").rawValue == "none")
    }
}
