import Foundation
import HTTPTypes
import HummingbirdTesting
import TestSupport
import Testing

@testable import AuditAPI

/// Each API process remembers the principals it authenticated. A change made on one replica must
/// still reach every other replica's very next request: two replicas share the database and Redis,
/// and each check runs only after the other replica has answered (and remembered) the login.
@Suite("Principal cache", .serialized)
struct PrincipalCacheTests {
    func withTwoReplicas(_ body: @Sendable (APIClient, APIClient) async throws -> Void) async throws {
        try await TestDatabase.withMigrated { database in
            let extra = ["TRUSTED_PROXIES": "127.0.0.1/8,::1"]
            try await withAPI(extra: extra, database: database) { first, _ in
                try await withAPI(extra: extra, database: database) { second, _ in
                    try await body(APIClient(first), APIClient(second))
                }
            }
        }
    }

    /// Asked twice, so the second answer comes from the replica's cache.
    func warm(_ api: APIClient, _ path: String, _ account: Account, expecting status: HTTPResponse.Status = .ok) async throws {
        for _ in 0..<2 { #expect(try await api.request(.get, path, token: account.access).status == status) }
    }

    @Test func roleChangesAndRemovalsReachTheOtherReplica() async throws {
        try await withTwoReplicas { a, b in
            let admin = try await a.register()
            let member = try await a.join(admin, role: "MEMBER")
            let invite: [String: any Sendable] = ["email": "new-\(UUID().uuidString.prefix(6).lowercased())@example.com", "role": "MEMBER"]
            try await warm(b, "/api/v1/organizations/current/members/", member)
            #expect(
                try await b.request(.post, "/api/v1/organizations/current/invitations/", json: invite, token: member.access).status
                    == .forbidden
            )

            let promoted = try await a.request(
                .patch,
                "/api/v1/organizations/current/members/\(member.userID)/",
                json: ["role": "ADMIN"],
                token: admin.access
            )
            #expect(promoted.status == .ok)
            #expect(
                try await b.request(.post, "/api/v1/organizations/current/invitations/", json: invite, token: member.access).status
                    == .created
            )

            try await warm(b, "/api/v1/audits/", member)
            let removed = try await a.request(.delete, "/api/v1/organizations/current/members/\(member.userID)/", token: admin.access)
            #expect(removed.status == .noContent)
            #expect(try await b.request(.get, "/api/v1/audits/", token: member.access).status == .notFound)
            // The login itself is still valid.
            #expect(try await b.request(.get, "/api/v1/users/me/", token: member.access).status == .ok)
        }
    }

    @Test func logoutsAndPasswordChangesReachTheOtherReplica() async throws {
        try await withTwoReplicas { a, b in
            let account = try await a.register()
            try await warm(b, "/api/v1/audits/", account)
            let loggedOut = try await a.request(.post, "/api/v1/auth/logout/", json: ["refresh": account.refresh], token: account.access)
            #expect(loggedOut.status == .noContent || loggedOut.status == .ok)
            #expect(try await b.request(.get, "/api/v1/audits/", token: account.access).status == .unauthorized)

            let login = try await a.request(.post, "/api/v1/auth/token/", json: ["email": account.email, "password": account.password])
            let access = try #require(try login.json()["access"] as? String)
            var relogged = account
            relogged.access = access
            try await warm(b, "/api/v1/audits/", relogged)
            let changed = try await a.request(
                .post,
                "/api/v1/users/me/password/",
                json: ["current_password": account.password, "new_password": "an entirely new passphrase"],
                token: access
            )
            #expect(changed.status.code < 300, "\(changed.text)")
            #expect(try await b.request(.get, "/api/v1/audits/", token: access).status == .unauthorized)
        }
    }
}
