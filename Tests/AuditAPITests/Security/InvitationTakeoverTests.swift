import Core
import Foundation
import HTTPTypes
import Logging
import PostgresNIO
import TestSupport
import Testing

@testable import AuditAPI

extension Security {
    /// Whoever holds an invitation token must not get into an existing account with it, nor learn
    /// about the account's other organizations.
    @Suite("invitation takeover")
    struct InvitationTakeoverTests {
        static func invite(_ api: APIClient, _ admin: Account, email: String, role: String = "ADMIN") async throws -> String {
            let invited = try await api.request(
                .post,
                "/api/v1/organizations/current/invitations/",
                json: ["email": email, "role": role],
                token: admin.access
            )
            guard let token = try invited.json()["token"] as? String else { throw TestFailure("invite answered \(invited.text)") }
            return token
        }

        static func memberships(_ database: DatabaseSettings, email: String) async throws -> Int {
            try await TestDatabase.withConnection(database) { connection in
                let rows = try await connection.query(
                    "SELECT count(*) FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = \(email)",
                    logger: Logger(label: "t")
                )
                var count = 0
                for try await value in rows.decode(Int.self) { count = value }
                return count
            }
        }

        @Test func anonymousAndForeignAcceptsOfAnExistingAccountAreRefused() async throws {
            try await withIdentityAPI { api, config in
                let victim = try await api.register(organization: "Victim Corp")
                let attacker = try await api.register(organization: "Attacker Org")
                let token = try await Self.invite(api, attacker, email: victim.email.uppercased())

                let anonymous = try await api.request(.post, "/api/v1/invitations/accept/", json: ["token": token, "password": "x"])
                #expect(anonymous.status == .unauthorized)
                #expect(!anonymous.text.contains("Victim Corp") && !anonymous.text.contains(victim.userID))

                let stranger = try await api.register()
                let foreign = try await api.request(.post, "/api/v1/invitations/accept/", json: ["token": token], token: stranger.access)
                #expect(foreign.status == .forbidden)
                #expect(!foreign.text.contains("Victim Corp") && !foreign.text.contains(victim.email))

                // The same answer for an address that has no account at all: nothing to probe.
                let nobody = try await Self.invite(api, attacker, email: "nobody-\(UUID().uuidString.prefix(6))@example.com")
                let probe = try await api.request(.post, "/api/v1/invitations/accept/", json: ["token": nobody], token: stranger.access)
                #expect(probe.status == foreign.status)
                #expect(probe.text == foreign.text)
                #expect(try await Self.memberships(config.database, email: victim.email) == 1, "nothing was joined")

                // The invited account itself accepts, and learns only what it joined.
                let accepted = try await api.request(.post, "/api/v1/invitations/accept/", json: ["token": token], token: victim.access)
                #expect(accepted.status == .ok)
                let body = try accepted.json()
                #expect((body["organization"] as? [String: Any])?["name"] as? String == "Attacker Org")
                #expect(body["role"] as? String == "ADMIN")
                #expect(!accepted.text.contains("Victim Corp"), "the account's other organizations are never listed")
                #expect(body["user"] == nil)
                #expect(try await Self.memberships(config.database, email: victim.email) == 2)
            }
        }

        @Test func aNewAccountStillJoinsWithPasswordAndName() async throws {
            try await withIdentityAPI { api, _ in
                let admin = try await api.register()
                let email = "fresh-\(UUID().uuidString.prefix(6).lowercased())@example.com"
                let token = try await Self.invite(api, admin, email: email, role: "VIEWER")
                let created = try await api.request(
                    .post,
                    "/api/v1/invitations/accept/",
                    json: ["token": token, "password": "a long new secret", "full_name": "Fresh"]
                )
                #expect(created.status == .created)
                let body = try created.json()
                #expect((body["user"] as? [String: Any])?["email"] as? String == email)
                #expect((body["user"] as? [String: Any])?["organizations"] == nil)
                #expect(body["access"] is String)
            }
        }

        @Test func validationListsEveryInvalidField() async throws {
            try await withIdentityAPI { api, _ in
                let empty = try await api.request(.post, "/api/v1/auth/register/", json: [:])
                #expect(empty.status == .badRequest)
                let fields = try empty.json()
                #expect(fields["email"] as? [String] == ["This field is required."])
                #expect(fields["password"] as? [String] == ["This field is required."])
                #expect(fields["full_name"] != nil && fields["organization_name"] != nil)

                let typed = try await api.request(.post, "/api/v1/auth/register/", json: ["email": 42, "password": NSNull()])
                #expect(try typed.json()["email"] as? [String] == ["Not a valid string."])
                #expect(try typed.json()["password"] as? [String] == ["This field may not be null."])
            }
        }
    }
}
