import Core
import Foundation
import HTTPTypes
import TestSupport
import Testing

@testable import AuditAPI

/// An address change waits for the new address to be proved, and tells the old one; a login from an
/// address the account never used is mailed to those who asked for it.
@Suite("Address change and login notices")
struct EmailChangeTests {
    @Test func aNewAddressTakesEffectOnlyOnceItIsVerified() async throws {
        try await MailBed.run { bed in
            let account = try await bed.api.register()
            _ = try await bed.smtp.waitForMessages(count: 1)  // the registration's verification
            let newEmail = "moved-\(UUID().uuidString.prefix(8).lowercased())@example.com"

            let changed = try await bed.api.request(
                .patch,
                "/api/v1/users/me/",
                json: ["email": newEmail.uppercased()],
                token: account.access
            )
            #expect(changed.status == .ok, "\(changed.text)")
            #expect(try changed.json()["email"] as? String == account.email, "pending until verified")

            try await eventually(timeout: .seconds(30)) { bed.smtp.messages.count >= 3 }
            let messages = bed.smtp.messages
            let notice = try #require(messages.first { $0.recipients == [account.email] && $0.subject?.contains("is changing") == true })
            #expect(notice.plainText?.contains(newEmail) == true)
            #expect(notice.links().isEmpty, "a notice carries no token")
            let verification = try #require(messages.first { $0.recipients == [newEmail] })
            let token = try MailBed.token(in: verification, path: "/verify-email/")

            // The old address still signs in until the new one is proved.
            let before = try await bed.api.request(
                .post,
                "/api/v1/auth/token/",
                json: ["email": account.email, "password": account.password]
            )
            #expect(before.status == .ok)
            let verified = try await bed.api.request(.post, "/api/v1/auth/verify-email/", json: ["token": token])
            #expect(verified.status == .ok, "\(verified.text)")
            let me = try await bed.api.request(.get, "/api/v1/users/me/", token: account.access).json()
            #expect(me["email"] as? String == newEmail)
            #expect(me["email_verified"] as? Bool == true)
            let old = try await bed.api.request(.post, "/api/v1/auth/token/", json: ["email": account.email, "password": account.password])
            #expect(old.status == .unauthorized)
            let new = try await bed.api.request(.post, "/api/v1/auth/token/", json: ["email": newEmail, "password": account.password])
            #expect(new.status == .ok)

            // Another account's address, or a malformed one, is refused without saying whose it is.
            let other = try await bed.api.register()
            let taken = try await bed.api.request(.patch, "/api/v1/users/me/", json: ["email": other.email], token: account.access)
            #expect(taken.status == .badRequest)
            #expect(try taken.json()["email"] != nil)
            let malformed = try await bed.api.request(.patch, "/api/v1/users/me/", json: ["email": "nope"], token: account.access)
            #expect(malformed.status == .badRequest)
            #expect(try malformed.json()["email"] != nil)
        }
    }

    @Test func threeAddressChangesAnHourThenTooMany() async throws {
        try await MailBed.run(worker: false) { bed in
            let account = try await bed.api.register()
            for attempt in 0..<3 {
                let email = "change-\(attempt)-\(UUID().uuidString.prefix(6).lowercased())@example.com"
                let changed = try await bed.api.request(.patch, "/api/v1/users/me/", json: ["email": email], token: account.access)
                #expect(changed.status == .ok, "\(changed.text)")
            }
            let fourth = try await bed.api.request(
                .patch,
                "/api/v1/users/me/",
                json: ["email": "one-too-many@example.com"],
                token: account.access
            )
            #expect(fourth.status == .tooManyRequests)
            #expect(fourth.headers[.retryAfter].flatMap { Int($0) }.map { $0 > 3_500 && $0 <= 3_600 } == true)
            // Only the address is held back; the rest of the profile still changes.
            let renamed = try await bed.api.request(.patch, "/api/v1/users/me/", json: ["full_name": "Still Me"], token: account.access)
            #expect(try renamed.json()["full_name"] as? String == "Still Me")
        }
    }

    @Test func aLoginFromANewAddressIsMailedWhenAsked() async throws {
        try await MailBed.run { bed in
            let account = try await bed.api.register()
            _ = try await bed.smtp.waitForMessages(count: 1)
            func login(from ip: String) async throws -> HTTPResponse.Status {
                try await bed.api.request(
                    .post,
                    "/api/v1/auth/token/",
                    json: ["email": account.email, "password": account.password],
                    headers: [.xForwardedFor: ip]
                ).status
            }
            // Off by default: a new address sends nothing.
            #expect(try await login(from: "203.0.113.7") == .ok)

            let on = try await bed.api.request(.patch, "/api/v1/users/me/", json: ["notify_new_login": true], token: account.access)
            #expect(try on.json()["notify_new_login"] as? Bool == true)
            #expect(try await login(from: "203.0.113.7") == .ok, "a known address")
            #expect(try await login(from: "198.51.100.9") == .ok, "a new one")
            let messages = try await bed.smtp.waitForMessages(count: 2)
            try await Task.sleep(for: .milliseconds(500))
            #expect(bed.smtp.messages.count == 2, "one notice, for the new address only")
            let notice = messages[1]
            #expect(notice.recipients == [account.email])
            #expect(notice.subject == "New sign-in to your AuditMate account")
            #expect(notice.plainText?.contains("198.51.100.9") == true)
            #expect(notice.plainText?.contains(account.password) == false)
            #expect(notice.links().isEmpty)
        }
    }
}
