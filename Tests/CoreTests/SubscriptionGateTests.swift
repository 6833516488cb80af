import Core
import Foundation
import Testing

@Suite("Subscription gate")
struct SubscriptionGateTests {
    static func subscription(_ status: String, trialEnds: Date? = nil, stripe: Bool = false) -> Subscription {
        Subscription(
            status: SubscriptionStatus(rawValue: status),
            plan: nil,
            currentPeriodEnd: nil,
            cancelAtPeriodEnd: false,
            trialEndsAt: trialEnds,
            hasStripeSubscription: stripe
        )
    }

    @Test func whichStatesAllowPremiumFeatures() {
        let now = Date.now
        #expect(Self.subscription("active").allowsPremium(at: now))
        #expect(Self.subscription("past_due").allowsPremium(at: now))
        #expect(Self.subscription("trialing", trialEnds: now.addingTimeInterval(3600)).allowsPremium(at: now))
        #expect(
            !Self.subscription("trialing", trialEnds: now.addingTimeInterval(-3600)).allowsPremium(at: now),
            "AuditMate's own trial ended"
        )
        #expect(
            Self.subscription("trialing", trialEnds: now.addingTimeInterval(-3600), stripe: true).allowsPremium(at: now),
            "Stripe runs the trial"
        )
        for status in ["canceled", "unpaid", "incomplete", "incomplete_expired", "none"] {
            #expect(!Self.subscription(status).allowsPremium(at: now), "\(status)")
        }
    }

    @Test func roleIsCheckedBeforeTheSubscription() {
        func principal(_ role: Role, premium: Bool) -> Principal {
            Principal(
                userID: UUID(),
                email: "a@b.c",
                organizationID: UUID(),
                role: role,
                credential: .bearer(familyID: UUID()),
                premiumAllowed: premium
            )
        }
        #expect(throws: IdentityError.paymentRequired) { try principal(.member, premium: false).authorize(.runAudits) }
        #expect(throws: IdentityError.permissionDenied) { try principal(.viewer, premium: false).authorize(.runAudits) }
        #expect(throws: Never.self) { try principal(.member, premium: true).authorize(.runAudits) }
        // Non-premium actions ignore the subscription.
        #expect(throws: Never.self) { try principal(.admin, premium: false).authorize(.manageBilling) }
        #expect(throws: Never.self) { try principal(.viewer, premium: false).authorize(.read) }
        #expect(Action.allCases.filter(\.isPremium) == [.runAudits, .generateReports, .enableSchedules])
    }
}
