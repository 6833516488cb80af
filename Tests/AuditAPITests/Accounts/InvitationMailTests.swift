import Core
import Foundation
import HTTPTypes
import TestSupport
import Testing

/// An invitation is mailed with a token of its own; that token proves the address, so an account
/// someone registered there first without proving it is handed to the invitee.
@Suite("Invitation mail")
struct InvitationMailTests {
    /// The first message to `address` whose subject contains `subject`, once it has arrived.
    static func message(to address: String, about subject: String, in bed: MailBed) async throws -> FakeSMTPServer.Message {
        var found: FakeSMTPServer.Message?
        try await eventually(timeout: .seconds(30), "a mail about \(subject) to \(address)") {
            found = bed.smtp.messages.first { $0.recipients == [address] && $0.subject?.contains(subject) == true }
            return found != nil
        }
        return try #require(found)
    }

    static func address() -> String { "invitee-\(UUID().uuidString.prefix(8).lowercased())@example.com" }

    @Test func theInvitationIsMailedWithATokenOfItsOwn() async throws {
        try await MailBed.run { bed in
            let admin = try await bed.api.register(organization: "Acme Mail")
            let email = Self.address()
            let shown = try await Security.InvitationTakeoverTests.invite(bed.api, admin, email: email.uppercased(), role: "VIEWER")

            let message = try await Self.message(to: email, about: "invited you", in: bed)
            #expect(message.subject == "Test User invited you to Acme Mail on AuditMate")
            #expect(message.header("List-Unsubscribe") != nil, "an invitation is not account mail")
            #expect(message.plainText?.contains("as VIEWER") == true)
            let mailed = try MailBed.token(in: message, path: "/invitations/accept/")
            #expect(mailed != shown, "the ADMIN never sees the mailed token")
            try await eventually { try await bed.outbox(email).first?.status == "SENT" }
            let row = try #require(try await bed.outbox(email).first)
            #expect(row.template == "invitation")
            #expect(!row.token, "the token is cleared once the message is sent")

            // Either token joins a new account; the first use spends the invitation.
            let joined = try await bed.api.request(
                .post,
                "/api/v1/invitations/accept/",
                json: ["token": mailed, "password": "a long new secret", "full_name": "Invitee"]
            )
            #expect(joined.status == .created, "\(joined.text)")
            let user = try #require(try joined.json()["user"] as? [String: Any])
            #expect(user["email"] as? String == email)
            let access = try #require(try joined.json()["access"] as? String)
            let me = try await bed.api.request(.get, "/api/v1/users/me/", token: access)
            #expect(try me.json()["email_verified"] as? Bool == true, "the mailed link proved the address")
            let again = try await bed.api.request(
                .post,
                "/api/v1/invitations/accept/",
                json: ["token": shown, "password": "a long new secret", "full_name": "Invitee"]
            )
            #expect(again.status == .badRequest)
            #expect(try again.json()["token"] != nil)
        }
    }

    @Test func theMailedTokenTakesOverAnAccountThatNeverProvedTheAddress() async throws {
        try await MailBed.run { bed in
            let email = Self.address()
            let squatter = try await bed.api.register(email: email, organization: "Squatters")
            _ = try await TwoFactorTests.enroll(bed.api, squatter)  // a factor of the squatter's must not lock the owner out
            let admin = try await bed.api.register(organization: "Real Employer")
            let shown = try await Security.InvitationTakeoverTests.invite(bed.api, admin, email: email, role: "MEMBER")
            let mailed = try MailBed.token(
                in: try await Self.message(to: email, about: "invited you", in: bed),
                path: "/invitations/accept/"
            )

            // The token the ADMIN saw proves nothing about the address.
            let byShown = try await bed.api.request(
                .post,
                "/api/v1/invitations/accept/",
                json: ["token": shown, "password": "the real person's secret", "full_name": "Real Person"]
            )
            #expect(byShown.status == .unauthorized, "\(byShown.text)")
            let missing = try await bed.api.request(.post, "/api/v1/invitations/accept/", json: ["token": mailed])
            #expect(missing.status == .badRequest)
            #expect(try missing.json()["password"] != nil, "\(missing.text)")

            let newPassword = "the real person's secret"
            let taken = try await bed.api.request(
                .post,
                "/api/v1/invitations/accept/",
                json: ["token": mailed, "password": newPassword, "full_name": "Real Person"]
            )
            #expect(taken.status == .created, "\(taken.text)")
            let body = try taken.json()
            let user = try #require(body["user"] as? [String: Any])
            #expect(user["id"] as? String == squatter.userID, "the same account, now the invitee's")
            #expect(user["full_name"] as? String == "Real Person")
            let access = try #require(body["access"] as? String)
            #expect(body["refresh"] is String)

            // The squatter is out everywhere: access, refresh and the old password.
            #expect(try await bed.api.request(.get, "/api/v1/users/me/", token: squatter.access).status == .unauthorized)
            let refresh = try await bed.api.request(.post, "/api/v1/auth/token/refresh/", json: ["refresh": squatter.refresh])
            #expect(refresh.status == .unauthorized)
            let oldLogin = try await bed.api.request(.post, "/api/v1/auth/token/", json: ["email": email, "password": squatter.password])
            #expect(oldLogin.status == .unauthorized)
            let newLogin = try await bed.api.request(.post, "/api/v1/auth/token/", json: ["email": email, "password": newPassword])
            #expect(newLogin.status == .ok, "no second factor asked for: \(newLogin.text)")

            let me = try await bed.api.request(.get, "/api/v1/users/me/", token: access)
            #expect(try me.json()["email_verified"] as? Bool == true)
            let log = try await bed.api.request(.get, "/api/v1/audit-log/", token: admin.access)
            let actions = (try log.json()["results"] as? [[String: Any]] ?? []).compactMap { $0["action"] as? String }
            #expect(actions.contains("account.taken_over"), "\(actions)")
            #expect(actions.contains("invitation.accepted"))
        }
    }

    @Test func aVerifiedAccountStillJoinsOnlyWithItsOwnLogin() async throws {
        try await MailBed.run { bed in
            let email = Self.address()
            let owner = try await bed.api.register(email: email, organization: "Owner Org")
            let verification = try await Self.message(to: email, about: "Verify", in: bed)
            let verify = try await bed.api.request(
                .post,
                "/api/v1/auth/verify-email/",
                json: ["token": try MailBed.token(in: verification, path: "/verify-email/")]
            )
            #expect(verify.status == .ok)
            let admin = try await bed.api.register(organization: "Inviting Org")
            _ = try await Security.InvitationTakeoverTests.invite(bed.api, admin, email: email, role: "MEMBER")
            let mailed = try MailBed.token(
                in: try await Self.message(to: email, about: "invited you", in: bed),
                path: "/invitations/accept/"
            )

            let anonymous = try await bed.api.request(
                .post,
                "/api/v1/invitations/accept/",
                json: ["token": mailed, "password": "someone else's secret", "full_name": "Intruder"]
            )
            #expect(anonymous.status == .unauthorized)
            #expect(!anonymous.text.contains("Owner Org"))
            let stillOwned = try await bed.api.request(.post, "/api/v1/auth/token/", json: ["email": email, "password": owner.password])
            #expect(stillOwned.status == .ok, "the password stays the owner's")

            let accepted = try await bed.api.request(.post, "/api/v1/invitations/accept/", json: ["token": mailed], token: owner.access)
            #expect(accepted.status == .ok, "\(accepted.text)")
            #expect(try accepted.json()["role"] as? String == "MEMBER")
        }
    }
}
