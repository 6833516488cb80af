import Core
import Foundation
import HTTPTypes
import Logging
import PostgresNIO
import TestSupport
import Testing

@testable import AuditAPI

@Suite("Organizations, members and invitations")
struct OrganizationTests {
    @Test func adminsRenameTheOrganization() async throws {
        try await withIdentityAPI { api, _ in
            let admin = try await api.register(organization: "Before")
            let member = try await api.join(admin, role: "MEMBER")
            let current = try await api.request(.get, "/api/v1/organizations/current/", token: member.access)
            #expect(current.status == .ok)
            let body = try current.json()
            #expect(Set(body.keys) == ["id", "name", "slug", "subscription_status", "created_at", "require_two_factor"])

            #expect(
                try await api.request(.patch, "/api/v1/organizations/current/", json: ["name": "After"], token: member.access).status
                    == .forbidden
            )
            let renamed = try await api.request(.patch, "/api/v1/organizations/current/", json: ["name": "After"], token: admin.access)
            #expect(renamed.status == .ok)
            #expect(try renamed.json()["name"] as? String == "After")
            #expect(try renamed.json()["slug"] as? String == body["slug"] as? String)
        }
    }

    @Test func membersArePaginatedTheDRFWay() async throws {
        try await withIdentityAPI { api, config in
            let admin = try await api.register()
            // 21 more members, inserted directly: the invitation flow is tested elsewhere.
            try await TestDatabase.withConnection(config.database) { connection in
                for index in 0..<21 {
                    try await connection.query(
                        """
                        WITH u AS (INSERT INTO users (email, full_name, password_hash)
                                   VALUES (\("bulk\(index)-\(UUID().uuidString.prefix(6).lowercased())@example.com"), 'Bulk', 'x') RETURNING id)
                        INSERT INTO memberships (organization_id, user_id, role, joined_at)
                        SELECT \(UUID(uuidString: admin.organizationID)!), id, 'VIEWER', now() + make_interval(secs => \(Double(index + 1))) FROM u
                        """,
                        logger: Logger(label: "t")
                    )
                }
            }
            let first = try await api.request(.get, "/api/v1/organizations/current/members/", token: admin.access)
            #expect(first.status == .ok)
            let page1 = try first.json()
            #expect(page1["count"] as? Int == 22)
            #expect((page1["results"] as? [[String: Any]])?.count == 20)
            #expect((page1["results"] as? [[String: Any]])?.first?["email"] as? String == admin.email, "oldest member first")
            #expect(page1["previous"] is NSNull, "previous must be present as null")
            let next = try #require(page1["next"] as? String)
            #expect(next.hasPrefix("http://localhost"))
            #expect(next.hasSuffix("/api/v1/organizations/current/members/?page=2"))

            let second = try await api.request(.get, "/api/v1/organizations/current/members/?page=2", token: admin.access)
            let page2 = try second.json()
            #expect((page2["results"] as? [[String: Any]])?.count == 2)
            #expect(page2["next"] is NSNull)
            #expect((page2["previous"] as? String)?.hasSuffix("/api/v1/organizations/current/members/") == true)

            let past = try await api.request(.get, "/api/v1/organizations/current/members/?page=9", token: admin.access)
            #expect(past.status == .notFound)
            #expect(try past.json()["detail"] as? String == "Invalid page.")
            #expect(try await api.request(.get, "/api/v1/organizations/current/members/?page=0", token: admin.access).status == .notFound)
        }
    }

    @Test func theLastAdminStays() async throws {
        try await withIdentityAPI { api, _ in
            let admin = try await api.register()
            let demote = try await api.request(
                .patch,
                "/api/v1/organizations/current/members/\(admin.userID)/",
                json: ["role": "MEMBER"],
                token: admin.access
            )
            #expect(demote.status == .badRequest)
            #expect(try demote.json()["detail"] as? String == "An organization must keep at least one admin.")
            let remove = try await api.request(.delete, "/api/v1/organizations/current/members/\(admin.userID)/", token: admin.access)
            #expect(remove.status == .badRequest)

            let second = try await api.join(admin, role: "ADMIN")
            // Two admins demoting each other at once: exactly one of them wins.
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                group.addTask {
                    try await api.request(
                        .patch,
                        "/api/v1/organizations/current/members/\(second.userID)/",
                        json: ["role": "VIEWER"],
                        token: admin.access
                    ).status
                }
                group.addTask {
                    try await api.request(
                        .patch,
                        "/api/v1/organizations/current/members/\(admin.userID)/",
                        json: ["role": "VIEWER"],
                        token: second.access
                    ).status
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            // The loser is refused either as the last admin (400) or, once demoted, for its role (403).
            #expect(statuses.filter { $0 == .ok }.count == 1)
            #expect(statuses.filter { $0 == .badRequest || $0 == .forbidden }.count == 1)
            let members = try await api.request(.get, "/api/v1/organizations/current/members/", token: admin.access)
            let roles = (try members.json()["results"] as? [[String: Any]])?.compactMap { $0["role"] as? String } ?? []
            #expect(roles.filter { $0 == "ADMIN" }.count == 1)
        }
    }

    @Test func changingAndRemovingMembers() async throws {
        try await withIdentityAPI { api, _ in
            let admin = try await api.register()
            let member = try await api.join(admin, role: "MEMBER")
            let promoted = try await api.request(
                .patch,
                "/api/v1/organizations/current/members/\(member.userID)/",
                json: ["role": "VIEWER"],
                token: admin.access
            )
            #expect(promoted.status == .ok)
            #expect(try promoted.json()["role"] as? String == "VIEWER")
            let invalid = try await api.request(
                .patch,
                "/api/v1/organizations/current/members/\(member.userID)/",
                json: ["role": "OWNER"],
                token: admin.access
            )
            #expect(invalid.status == .badRequest)
            #expect(try invalid.json()["role"] != nil)

            #expect(
                try await api.request(.delete, "/api/v1/organizations/current/members/\(member.userID)/", token: admin.access).status
                    == .noContent
            )
            // The removed member's token no longer reaches the organization.
            #expect(try await api.request(.get, "/api/v1/organizations/current/", token: member.access).status == .notFound)
            #expect(try await api.request(.get, "/api/v1/users/me/", token: member.access).status == .ok)
            #expect(
                try await api.request(.delete, "/api/v1/organizations/current/members/\(member.userID)/", token: admin.access).status
                    == .notFound
            )
            #expect(
                try await api.request(.delete, "/api/v1/organizations/current/members/not-a-uuid/", token: admin.access).status == .notFound
            )
        }
    }

    @Test func invitationLifecycle() async throws {
        try await withIdentityAPI { api, config in
            let admin = try await api.register()
            let created = try await api.request(
                .post,
                "/api/v1/organizations/current/invitations/",
                json: ["email": "New.Person@Example.com", "role": "MEMBER"],
                token: admin.access
            )
            #expect(created.status == .created)
            let invitation = try created.json()
            let token = try #require(invitation["token"] as? String)
            #expect(invitation["email"] as? String == "new.person@example.com")
            #expect(invitation["status"] as? String == "pending")
            #expect(invitation["accepted_at"] is NSNull)
            #expect(invitation["invited_by"] as? String == admin.userID)

            // Only the hash is stored.
            let stored = try await TestDatabase.withConnection(config.database) { connection in
                let rows = try await connection.query("SELECT token_hash FROM invitations", logger: Logger(label: "t"))
                var hashes: [String] = []
                for try await hash in rows.decode(String.self) { hashes.append(hash) }
                return hashes
            }
            #expect(!stored.contains(token))
            #expect(stored.contains(SecretToken.digest(token)))

            let incomplete = try await api.request(.post, "/api/v1/invitations/accept/", json: ["token": token])
            #expect(incomplete.status == .badRequest)
            #expect(try incomplete.json()["password"] != nil)

            let accepted = try await api.request(
                .post,
                "/api/v1/invitations/accept/",
                json: ["token": token, "password": "fresh member secret", "full_name": "New Person"]
            )
            #expect(accepted.status == .created)
            let body = try accepted.json()
            #expect(body["role"] as? String == "MEMBER")
            let access = try #require(body["access"] as? String)
            #expect(try await api.request(.get, "/api/v1/organizations/current/", token: access).status == .ok)

            let spent = try await api.request(
                .post,
                "/api/v1/invitations/accept/",
                json: ["token": token, "password": "fresh member secret", "full_name": "New Person"]
            )
            #expect(spent.status == .badRequest)
            #expect(try spent.json()["token"] as? [String] == ["This invitation is invalid or has expired."])

            let listed = try await api.request(.get, "/api/v1/organizations/current/invitations/", token: admin.access)
            let results = try #require(try listed.json()["results"] as? [[String: Any]])
            #expect(results.first?["status"] as? String == "accepted")
            #expect(results.first?["token"] == nil, "tokens are never listed")

            let duplicate = try await api.request(
                .post,
                "/api/v1/organizations/current/invitations/",
                json: ["email": "new.person@example.com", "role": "VIEWER"],
                token: admin.access
            )
            #expect(duplicate.status == .badRequest)
            #expect(try duplicate.json()["email"] as? [String] == ["This user is already a member of the organization."])
        }
    }

    @Test func revokedExpiredAndReplacedInvitationsAreRefused() async throws {
        try await withIdentityAPI { api, config in
            let admin = try await api.register()
            func invite(_ email: String) async throws -> (id: String, token: String) {
                let response = try await api.request(
                    .post,
                    "/api/v1/organizations/current/invitations/",
                    json: ["email": email, "role": "VIEWER"],
                    token: admin.access
                )
                let body = try response.json()
                return (body["id"] as? String ?? "", body["token"] as? String ?? "")
            }
            let accept: @Sendable (String) async throws -> HTTPResponse.Status = { token in
                try await api.request(
                    .post,
                    "/api/v1/invitations/accept/",
                    json: ["token": token, "password": "viewer secret pw", "full_name": "V"]
                ).status
            }

            let revoked = try await invite("revoked@example.com")
            #expect(
                try await api.request(.delete, "/api/v1/organizations/current/invitations/\(revoked.id)/", token: admin.access).status
                    == .noContent
            )
            #expect(
                try await api.request(.delete, "/api/v1/organizations/current/invitations/\(revoked.id)/", token: admin.access).status
                    == .noContent
            )
            #expect(try await accept(revoked.token) == .badRequest)

            let expired = try await invite("expired@example.com")
            try await TestDatabase.withConnection(config.database) { connection in
                try await connection.query(
                    "UPDATE invitations SET expires_at = now() - interval '1 minute' WHERE id = \(UUID(uuidString: expired.id)!)",
                    logger: Logger(label: "t")
                )
            }
            #expect(try await accept(expired.token) == .badRequest)

            let replaced = try await invite("twice@example.com")
            let replacement = try await invite("twice@example.com")
            #expect(try await accept(replaced.token) == .badRequest)
            #expect(try await accept(replacement.token) == .created)
            #expect(try await accept("made-up-token") == .badRequest)
        }
    }

    @Test func existingAccountsJoinWithoutNewCredentials() async throws {
        try await withIdentityAPI { api, _ in
            let admin = try await api.register()
            let other = try await api.register()
            let invited = try await api.request(
                .post,
                "/api/v1/organizations/current/invitations/",
                json: ["email": other.email, "role": "MEMBER"],
                token: admin.access
            )
            let token = try #require(try invited.json()["token"] as? String)
            let accepted = try await api.request(.post, "/api/v1/invitations/accept/", json: ["token": token], token: other.access)
            #expect(accepted.status == .ok)
            #expect(try accepted.json()["user"] == nil, "the answer never lists the account's other organizations")
            // The existing password still logs in; nothing about the account changed.
            let login = try await api.request(
                .post,
                "/api/v1/auth/token/",
                json: ["email": other.email, "password": other.password, "organization": admin.organizationID]
            )
            #expect(login.status == .ok)
        }
    }
}
