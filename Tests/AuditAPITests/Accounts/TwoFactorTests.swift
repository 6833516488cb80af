import Core
import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import PostgresNIO
import TestSupport
import Testing

@testable import AuditAPI

/// TOTP enrollment in two steps, logins that need a code once it is on, recovery codes, and codes
/// that work only once.
@Suite("Second factor")
struct TwoFactorTests {
    /// The code an authenticator app with `secret` shows `offset` steps from now.
    static func code(_ secret: String, offset: Int64 = 0) throws -> String {
        let totp = try #require(TOTP(base32: secret))
        return TOTP.code(secret: totp.secret, counter: UInt64(Int64(totp.step(of: .now)) + offset))
    }

    static func login(_ api: APIClient, _ account: Account, otp: String? = nil, path: String = "/api/v1/auth/token/") async throws
        -> TestResponse
    {
        var body: [String: any Sendable] = ["email": account.email, "password": account.password]
        if let otp { body["otp"] = otp }
        return try await api.request(.post, path, json: body)
    }

    @Test func enrollmentLoginsRecoveryCodesAndRemoval() async throws {
        try await withIdentityAPI { api, config in
            let account = try await api.register()
            let started = try await api.request(.post, "/api/v1/users/me/two-factor/", token: account.access)
            #expect(started.status == .ok, "\(started.text)")
            let secret = try #require(try started.json()["secret"] as? String)
            let uri = try #require(try started.json()["otpauth_uri"] as? String)
            #expect(uri.hasPrefix("otpauth://totp/") && uri.contains("secret=\(secret)"))
            #expect(try await Self.login(api, account).status == .ok, "pending: the password alone still logs in")

            let wrong = try await api.request(
                .post,
                "/api/v1/users/me/two-factor/confirm/",
                json: ["code": "000000"],
                token: account.access
            )
            #expect(wrong.status == .badRequest)
            #expect(try wrong.json()["code"] != nil, "\(wrong.text)")
            let first = try Self.code(secret)
            let confirmed = try await api.request(
                .post,
                "/api/v1/users/me/two-factor/confirm/",
                json: ["code": first],
                token: account.access
            )
            #expect(confirmed.status == .ok, "\(confirmed.text)")
            let codes = try #require(try confirmed.json()["recovery_codes"] as? [String])
            #expect(codes.count == 10 && Set(codes).count == 10)
            let me = try await api.request(.get, "/api/v1/users/me/", token: account.access)
            #expect(try me.json()["two_factor_enabled"] as? Bool == true)
            let again = try await api.request(.post, "/api/v1/users/me/two-factor/", token: account.access)
            #expect(again.status == .badRequest, "already enabled")

            // The secret is stored encrypted, never as the base32 the user saw.
            let stored = try await TestDatabase.withConnection(config.database) { connection in
                let rows = try await connection.query(
                    "SELECT secret_ciphertext FROM two_factor WHERE user_id = \(UUID(uuidString: account.userID)!)",
                    logger: Logger(label: "tests")
                )
                var found: [String] = []
                for try await value in rows.decode(String.self) { found.append(value) }
                return found
            }
            #expect(stored.count == 1 && stored[0].hasPrefix("gAAAAA") && !stored[0].contains(secret))

            // Both login endpoints now ask for the code.
            for path in ["/api/v1/auth/token/", "/api/v1/auth/session/"] {
                let missing = try await Self.login(api, account, path: path)
                #expect(missing.status == .unauthorized)
                #expect(try missing.json()["code"] as? String == "otp_required", "\(path): \(missing.text)")
            }
            let reused = try await Self.login(api, account, otp: first)
            #expect(reused.status == .unauthorized, "the confirming code was spent")
            #expect(try reused.json()["code"] as? String == "no_active_account")
            let next = try Self.code(secret, offset: 1)
            let withCode = try await Self.login(api, account, otp: next)
            #expect(withCode.status == .ok, "\(withCode.text)")
            #expect(try await Self.login(api, account, otp: next).status == .unauthorized, "a code works once")

            let typed = " " + codes[0].uppercased().replacingOccurrences(of: "-", with: " ") + " "
            #expect(try await Self.login(api, account, otp: typed).status == .ok, "a recovery code, however typed")
            #expect(try await Self.login(api, account, otp: codes[0]).status == .unauthorized, "a recovery code works once")

            let log = try await api.request(.get, "/api/v1/audit-log/", token: account.access)
            let entries = try log.json()["results"] as? [[String: Any]] ?? []
            #expect(entries.contains { $0["action"] as? String == "two_factor.enabled" })
            #expect(
                entries.contains {
                    $0["action"] as? String == "login.failed" && ($0["metadata"] as? [String: Any])?["reason"] as? String == "bad_otp"
                },
                "\(entries)"
            )
            #expect(!log.text.contains(first) && !log.text.contains(codes[0]), "codes never reach the log")

            let badPassword = try await api.request(
                .delete,
                "/api/v1/users/me/two-factor/",
                json: ["password": "wrong", "code": codes[1]],
                token: account.access
            )
            #expect(badPassword.status == .badRequest)
            #expect(try badPassword.json()["password"] != nil)
            let removed = try await api.request(
                .delete,
                "/api/v1/users/me/two-factor/",
                json: ["password": account.password, "code": codes[1]],
                token: account.access
            )
            #expect(removed.status == .noContent, "\(removed.text)")
            #expect(try await Self.login(api, account).status == .ok, "the password alone again")
            #expect(try await api.request(.get, "/api/v1/users/me/", token: account.access).json()["two_factor_enabled"] as? Bool == false)
        }
    }

    @Test func confirmingNeedsAPendingSecret() async throws {
        try await withIdentityAPI { api, _ in
            let account = try await api.register()
            let early = try await api.request(
                .post,
                "/api/v1/users/me/two-factor/confirm/",
                json: ["code": "123456"],
                token: account.access
            )
            #expect(early.status == .badRequest)
            #expect(try early.json()["detail"] is String)
            let blank = try await api.request(.post, "/api/v1/users/me/two-factor/confirm/", json: [:], token: account.access)
            #expect(blank.status == .badRequest)
            let anonymous = try await api.request(.post, "/api/v1/users/me/two-factor/")
            #expect(anonymous.status == .unauthorized)
            let nothing = try await api.request(
                .delete,
                "/api/v1/users/me/two-factor/",
                json: ["password": account.password, "code": "123456"],
                token: account.access
            )
            #expect(nothing.status == .badRequest)
        }
    }

    /// Enrolls `account` and returns its secret.
    static func enroll(_ api: APIClient, _ account: Account) async throws -> String {
        let started = try await api.request(.post, "/api/v1/users/me/two-factor/", token: account.access)
        let secret = try #require(try started.json()["secret"] as? String)
        let confirmed = try await api.request(
            .post,
            "/api/v1/users/me/two-factor/confirm/",
            json: ["code": try code(secret)],
            token: account.access
        )
        #expect(confirmed.status == .ok, "\(confirmed.text)")
        return secret
    }

    @Test func anOrganizationThatRequiresTheFactorAdmitsOnlyProfileAndEnrollment() async throws {
        try await withIdentityAPI { api, _ in
            let admin = try await api.register()
            let member = try await api.join(admin, role: "MEMBER")
            let premature = try await api.request(
                .patch,
                "/api/v1/organizations/current/",
                json: ["require_two_factor": true],
                token: admin.access
            )
            #expect(premature.status == .badRequest, "the ADMIN has no factor yet")
            #expect(try premature.json()["require_two_factor"] != nil, "\(premature.text)")
            let byMember = try await api.request(
                .patch,
                "/api/v1/organizations/current/",
                json: ["require_two_factor": true],
                token: member.access
            )
            #expect(byMember.status == .forbidden)

            _ = try await Self.enroll(api, admin)
            let required = try await api.request(
                .patch,
                "/api/v1/organizations/current/",
                json: ["require_two_factor": true],
                token: admin.access
            )
            #expect(required.status == .ok, "\(required.text)")
            #expect(try required.json()["require_two_factor"] as? Bool == true)

            // The member's existing login is held back at once, except for the profile and enrollment.
            let blocked = try await api.request(.get, "/api/v1/audits/", token: member.access)
            #expect(blocked.status == .forbidden)
            #expect(try blocked.json()["code"] as? String == "two_factor_required", "\(blocked.text)")
            #expect(try await api.request(.get, "/api/v1/organizations/current/members/", token: member.access).status == .forbidden)
            #expect(try await api.request(.get, "/api/v1/users/me/", token: member.access).status == .ok)
            #expect(try await api.request(.get, "/api/v1/audits/", token: admin.access).status == .ok)

            _ = try await Self.enroll(api, member)
            #expect(try await api.request(.get, "/api/v1/audits/", token: member.access).status == .ok, "enrolled: open again")

            let lifted = try await api.request(
                .patch,
                "/api/v1/organizations/current/",
                json: ["require_two_factor": false],
                token: admin.access
            )
            #expect(try lifted.json()["require_two_factor"] as? Bool == false)
        }
    }
}
