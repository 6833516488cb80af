import Core
import Foundation
import HTTPTypes
import TestSupport
import Testing

/// A forgotten password, through the mailed link: the same answer for every address, one use per
/// token, every login revoked, the address verified, a notice mailed.
@Suite("Password reset")
struct PasswordResetTests {
    @Test func theMailedTokenSetsANewPasswordOnceAndSignsOutEverywhere() async throws {
        try await MailBed.run { bed in
            let account = try await bed.api.register()
            _ = try await bed.smtp.waitForMessages(count: 1)  // the verification mail

            let known = try await bed.api.request(.post, "/api/v1/auth/password-reset/", json: ["email": account.email.uppercased()])
            let unknown = try await bed.api.request(.post, "/api/v1/auth/password-reset/", json: ["email": "nobody@example.com"])
            #expect(known.status == .accepted)
            #expect(unknown.status == .accepted)
            #expect(known.text == unknown.text, "the answer says nothing about the address")
            let malformed = try await bed.api.request(.post, "/api/v1/auth/password-reset/", json: ["email": "not an address"])
            #expect(malformed.status == .badRequest)
            #expect(try malformed.json()["email"] != nil)

            let messages = try await bed.smtp.waitForMessages(count: 2)
            #expect(messages.count == 2, "nothing went to the unknown address")
            let reset = messages[1]
            #expect(reset.recipients == [account.email])
            #expect(reset.subject == "Reset your AuditMate password")
            let token = try MailBed.token(in: reset, path: "/reset-password/")

            let weak = try await bed.api.request(
                .post,
                "/api/v1/auth/password-reset/confirm/",
                json: ["token": token, "password": "short"]
            )
            #expect(weak.status == .badRequest)
            #expect(try weak.json()["password"] != nil, "\(weak.text)")

            let newPassword = "a much better passphrase"
            let confirmed = try await bed.api.request(
                .post,
                "/api/v1/auth/password-reset/confirm/",
                json: ["token": token, "password": newPassword]
            )
            #expect(confirmed.status == .ok, "\(confirmed.text)")
            let reused = try await bed.api.request(
                .post,
                "/api/v1/auth/password-reset/confirm/",
                json: ["token": token, "password": newPassword]
            )
            #expect(reused.status == .badRequest)
            #expect(try reused.json()["token"] != nil)

            // Every earlier login is gone; the new password works and the address is now verified.
            let refresh = try await bed.api.request(.post, "/api/v1/auth/token/refresh/", json: ["refresh": account.refresh])
            #expect(refresh.status == .unauthorized)
            #expect(try await bed.api.request(.get, "/api/v1/users/me/", token: account.access).status == .unauthorized)
            let oldLogin = try await bed.api.request(
                .post,
                "/api/v1/auth/token/",
                json: ["email": account.email, "password": account.password]
            )
            #expect(oldLogin.status == .unauthorized)
            let login = try await bed.api.request(.post, "/api/v1/auth/token/", json: ["email": account.email, "password": newPassword])
            #expect(login.status == .ok)
            let access = try #require(try login.json()["access"] as? String)
            #expect(try await bed.api.request(.get, "/api/v1/users/me/", token: access).json()["email_verified"] as? Bool == true)

            let notice = try #require(try await bed.smtp.waitForMessages(count: 3).last)
            #expect(notice.subject == "Your AuditMate password was changed")
            #expect(notice.links().isEmpty, "a notice carries no token")
        }
    }
}
