import Core
import Crypto
import Foundation
import HTTPTypes
import TestSupport
import Testing

@testable import AuditAPI

@Suite("Token attacks")
struct TokenAttackTests {
    /// Re-signs `claims` as a JWT with `header` and an HMAC-SHA256 of `key` (or no signature).
    static func forge(header: [String: String], claims: [String: Any], key: String?) throws -> String {
        let head = Base64URL.encode(try JSONSerialization.data(withJSONObject: header), padded: false)
        let body = Base64URL.encode(try JSONSerialization.data(withJSONObject: claims), padded: false)
        let input = "\(head).\(body)"
        guard let key else { return input + "." }
        let mac = HMAC<SHA256>.authenticationCode(for: Data(input.utf8), using: SymmetricKey(data: Data(key.utf8)))
        return input + "." + Base64URL.encode(Array(mac), padded: false)
    }

    static func claims(of token: String) throws -> [String: Any] {
        let segment = token.split(separator: ".")[1]
        return try JSONSerialization.jsonObject(with: Data(Base64URL.decode(segment) ?? [])) as? [String: Any] ?? [:]
    }

    @Test func forgedAndMisusedTokensAreRejected() async throws {
        try await withIdentityAPI { api, config in
            let account = try await api.register()
            let key = config.secrets.jwtSigningKey
            let genuine = try Self.claims(of: account.access)
            // Sanity: the forging helper makes tokens the server accepts when nothing is wrong.
            let control = try Self.forge(header: ["alg": "HS256", "typ": "JWT"], claims: genuine, key: key)
            #expect(try await api.request(.get, "/api/v1/users/me/", token: control).status == .ok)

            var expired = genuine
            expired["exp"] = Int(Date.now.timeIntervalSince1970) - 10
            var tampered = genuine
            tampered["user_id"] = UUID().uuidString.lowercased()
            let attacks: [(String, String)] = [
                ("alg none", try Self.forge(header: ["alg": "none", "typ": "JWT"], claims: genuine, key: nil)),
                ("alg none, signed", try Self.forge(header: ["alg": "none", "typ": "JWT"], claims: genuine, key: key)),
                ("alg substitution", try Self.forge(header: ["alg": "HS384", "typ": "JWT"], claims: genuine, key: key)),
                (
                    "wrong key",
                    try Self.forge(header: ["alg": "HS256", "typ": "JWT"], claims: genuine, key: "another key that is long enough!!")
                ),
                ("expired", try Self.forge(header: ["alg": "HS256", "typ": "JWT"], claims: expired, key: key)),
                ("refresh as access", account.refresh),
                (
                    "tampered payload",
                    account.access.split(separator: ".")[0] + "."
                        + Base64URL.encode(try JSONSerialization.data(withJSONObject: tampered), padded: false) + "."
                        + account.access.split(separator: ".")[2]
                ),
                ("garbage", "not-a-jwt"),
                ("empty bearer", ""),
            ]
            for (name, token) in attacks {
                let response = try await api.request(.get, "/api/v1/users/me/", headers: [.authorization: "Bearer \(token)"])
                #expect(response.status == .unauthorized, "\(name)")
                #expect(try response.json()["code"] as? String == "token_not_valid", "\(name)")
            }

            // An access token is not a refresh token either.
            let swapped = try await api.request(.post, "/api/v1/auth/token/refresh/", json: ["refresh": account.access])
            #expect(swapped.status == .unauthorized)
        }
    }

    @Test func deactivatedUsersAreRejectedOnTheirNextRequest() async throws {
        try await withIdentityAPI { api, config in
            let account = try await api.register()
            #expect(try await api.request(.get, "/api/v1/users/me/", token: account.access).status == .ok)
            try await TestDatabase.withConnection(config.database) { connection in
                try await connection.query("UPDATE users SET is_active = false WHERE email = \(account.email)", logger: .init(label: "t"))
            }
            #expect(try await api.request(.get, "/api/v1/users/me/", token: account.access).status == .unauthorized)
            #expect(try await api.request(.post, "/api/v1/auth/token/refresh/", json: ["refresh": account.refresh]).status == .unauthorized)
            let login = try await api.request(.post, "/api/v1/auth/token/", json: ["email": account.email, "password": account.password])
            #expect(login.status == .unauthorized)
            #expect(try login.json()["detail"] as? String == "No active account found with the given credentials")
        }
    }

    @Test func operatorsDeactivateAndReactivateAccountsFromTheCommandLine() async throws {
        try await withIdentityAPI { api, config in
            let account = try await api.register()
            let binary = TestEnvironment.binDirectory.appendingPathComponent("AuditAPI")
            let environment = TestEnvironment.processEnvironment(database: config.database)

            let deactivated = try await ChildProcess.run(
                binary,
                arguments: ["deactivate-user", account.email.uppercased()],
                environment: environment
            )
            #expect(deactivated.status == 0, "\(deactivated.stderr)")
            #expect(deactivated.stdout == "\(account.email.uppercased()): deactivated.\n")
            #expect(try await api.request(.get, "/api/v1/users/me/", token: account.access).status == .unauthorized)

            let activated = try await ChildProcess.run(binary, arguments: ["activate-user", account.email], environment: environment)
            #expect(activated.status == 0)
            // Reactivation does not bring revoked logins back; a new login works.
            #expect(try await api.request(.get, "/api/v1/users/me/", token: account.access).status == .unauthorized)
            let login = try await api.request(.post, "/api/v1/auth/token/", json: ["email": account.email, "password": account.password])
            #expect(login.status == .ok)

            let unknown = try await ChildProcess.run(binary, arguments: ["deactivate-user", "ghost@example.com"], environment: environment)
            #expect(unknown.status == 1)
            #expect(unknown.stderr == "error: no account with e-mail ghost@example.com\n")
        }
    }

    @Test func otherAuthorizationSchemesAreAnonymous() async throws {
        try await withIdentityAPI { api, _ in
            let response = try await api.request(.get, "/api/v1/users/me/", headers: [.authorization: "Basic dXNlcjpwYXNz"])
            #expect(response.status == .unauthorized)
            #expect(try response.json()["detail"] as? String == "Authentication credentials were not provided.")
        }
    }
}
