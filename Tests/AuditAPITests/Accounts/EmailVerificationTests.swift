import Core
import Foundation
import HTTPTypes
import TestSupport
import Testing

/// Registration mails a verification link; the worker delivers it through SMTP; the link's token
/// proves the address once.
@Suite("E-mail verification")
struct EmailVerificationTests {
    @Test func registrationMailsALinkThatVerifiesTheAddressOnce() async throws {
        try await MailBed.run { bed in
            let account = try await bed.api.register(email: "Dana.New@Example.com")
            let before = try await bed.api.request(.get, "/api/v1/users/me/", token: account.access)
            #expect(try before.json()["email_verified"] as? Bool == false)

            let message = try #require(try await bed.smtp.waitForMessages(count: 1).first)
            #expect(message.recipients == ["dana.new@example.com"])
            #expect(message.from == "no-reply@auditmate.test")
            #expect(message.subject == "Verify your e-mail address for AuditMate")
            #expect(message.header("List-Unsubscribe") == nil, "account mail")
            #expect(message.html?.contains("Verify my address") == true)
            let token = try MailBed.token(in: message, path: "/verify-email/")
            try await eventually { try await bed.outbox("dana.new@example.com").first?.status == "SENT" }
            let row = try #require(try await bed.outbox("dana.new@example.com").first)
            #expect(row.template == "verify_email")
            #expect(!row.token, "the token is cleared once the message is sent")

            let verified = try await bed.api.request(.post, "/api/v1/auth/verify-email/", json: ["token": token])
            #expect(verified.status == .ok, "\(verified.text)")
            #expect(try verified.json()["email_verified"] as? Bool == true)
            let after = try await bed.api.request(.get, "/api/v1/users/me/", token: account.access)
            #expect(try after.json()["email_verified"] as? Bool == true)

            let again = try await bed.api.request(.post, "/api/v1/auth/verify-email/", json: ["token": token])
            #expect(again.status == .badRequest)
            #expect((try again.json()["token"] as? [String])?.isEmpty == false, "\(again.text)")
            let unknown = try await bed.api.request(.post, "/api/v1/auth/verify-email/", json: ["token": "not-a-token"])
            #expect(unknown.status == .badRequest)
            let blank = try await bed.api.request(.post, "/api/v1/auth/verify-email/", json: [:])
            #expect(blank.status == .badRequest)

            let resend = try await bed.api.request(.post, "/api/v1/auth/verify-email/resend/", token: account.access)
            #expect(resend.status == .badRequest, "already verified: \(resend.text)")
        }
    }

    @Test func threeResendsAnHourThenTooManyAndOnlyTheNewestUnusedTokensWork() async throws {
        try await MailBed.run { bed in
            let account = try await bed.api.register()
            for _ in 0..<3 {
                let resend = try await bed.api.request(.post, "/api/v1/auth/verify-email/resend/", token: account.access)
                #expect(resend.status == .accepted, "\(resend.text)")
            }
            let fourth = try await bed.api.request(.post, "/api/v1/auth/verify-email/resend/", token: account.access)
            #expect(fourth.status == .tooManyRequests)
            #expect(fourth.headers[.retryAfter].flatMap { Int($0) }.map { $0 > 0 && $0 <= 3_600 } == true)
            let anonymous = try await bed.api.request(.post, "/api/v1/auth/verify-email/resend/")
            #expect(anonymous.status == .unauthorized)

            let messages = try await bed.smtp.waitForMessages(count: 4)
            #expect(Set(try messages.map { try MailBed.token(in: $0, path: "/verify-email/") }).count == 4, "a new token each time")
            let last = try MailBed.token(in: messages[3], path: "/verify-email/")
            #expect(try await bed.api.request(.post, "/api/v1/auth/verify-email/", json: ["token": last]).status == .ok)
        }
    }
}
