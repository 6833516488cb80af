import Core
import Foundation
import HTTPTypes
import TestSupport
import Testing

@testable import AuditAPI

@Suite("Audit log")
struct AuditLogTests {
    @Test func securityActionsAreLoggedWithActorAndAddress() async throws {
        try await withIdentityAPI { api, _ in
            let admin = try await api.register()
            let member = try await api.join(admin, role: "MEMBER")
            _ = try await api.request(.post, "/api/v1/auth/token/", json: ["email": member.email, "password": "wrong password!"])
            _ = try await api.request(
                .patch,
                "/api/v1/organizations/current/members/\(member.userID)/",
                json: ["role": "VIEWER"],
                token: admin.access
            )
            _ = try await api.request(.post, "/api/v1/auth/logout/", json: ["refresh": member.refresh], token: member.access)

            let response = try await api.request(.get, "/api/v1/audit-log/", token: admin.access)
            #expect(response.status == .ok)
            let entries = try #require(try response.json()["results"] as? [[String: Any]])
            let actions = entries.compactMap { $0["action"] as? String }
            for expected in [
                "user.registered", "invitation.created", "invitation.accepted", "login.failed", "member.role_changed", "token.revoked",
            ] {
                #expect(actions.contains(expected), "\(expected) missing from \(actions)")
            }
            #expect(actions.first == "token.revoked", "newest first")

            let change = try #require(entries.first { $0["action"] as? String == "member.role_changed" })
            #expect((change["actor"] as? [String: Any])?["email"] as? String == admin.email)
            #expect(change["target_type"] as? String == "user")
            #expect(change["target_id"] as? String == member.userID)
            #expect(change["ip"] as? String == api.address)
            #expect(change["metadata"] as? [String: String] == ["from": "MEMBER", "to": "VIEWER"])
            let failure = try #require(entries.first { $0["action"] as? String == "login.failed" })
            #expect(failure["metadata"] as? [String: String] == ["reason": "bad_password"])
        }
    }
}
