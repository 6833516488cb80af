import Foundation
import HTTPTypes
import HummingbirdTesting
import TestSupport
import Testing

@testable import AuditAPI

/// Which GitHub account a personal token audits when no organization is named, and who may see
/// the organization's integrations.
@Suite("Integration scope")
struct IntegrationScopeTests {
    @Test func aPersonalTokenAuditsItsOneOrganizationOrAsksWhichOne() async throws {
        try await IntegrationTests.withGitHub { api, _, fake in
            let admin = try await api.register()
            fake.configure {
                $0.grants["ghp_oneOrg"] = .init(login: "octocat")
                $0.grants["ghp_manyOrgs"] = .init(login: "hubot")
                $0.grants["ghp_noOrgs"] = .init(login: "loner")
                $0.grants["ghp_fineGrained"] = .init(login: "finely")
                $0.set("/orgs/acme", json: ["login": "acme", "id": 42])
            }
            func connect(_ token: String) async throws -> TestResponse {
                try await api.request(.post, "/api/v1/integrations/github/", json: ["token": token], token: admin.access)
            }
            fake.configure {
                $0.set("/user/memberships/orgs?state=active", json: [["state": "active", "organization": ["login": "acme"]]])
            }
            let one = try await connect("ghp_oneOrg")
            #expect(one.status == .created, "\(one.text)")
            #expect(try one.json()["account"] as? String == "acme")
            #expect(try one.json()["account_type"] as? String == "Organization")

            fake.configure {
                $0.set(
                    "/user/memberships/orgs?state=active",
                    json: ["zeta", "Acme", "beta"].map { ["state": "active", "organization": ["login": $0]] }
                )
            }
            let many = try await connect("ghp_manyOrgs")
            #expect(many.status == .badRequest)
            #expect(try many.json()["organization"] as? [String] == ["Choose one of: Acme, beta, zeta."])

            fake.configure { $0.set("/user/memberships/orgs?state=active", json: [Any]()) }
            let none = try await connect("ghp_noOrgs")
            #expect(none.status == .created)
            #expect(try none.json()["account"] as? String == "loner")
            #expect(try none.json()["account_type"] as? String == "User")

            // A token that may not read memberships falls back to /user/orgs.
            fake.configure {
                $0.fail("/user/memberships/orgs?state=active", status: 403, message: "Resource not accessible by personal access token")
                $0.set("/user/orgs", json: [["login": "acme"]])
            }
            let fallback = try await connect("ghp_fineGrained")
            #expect(try fallback.json()["account"] as? String == "acme")
        }
    }

    @Test func everyRoleListsIntegrationsButOnlyAdminsManageThem() async throws {
        try await IntegrationTests.withGitHub { api, _, fake in
            let admin = try await api.register()
            fake.configure {
                $0.grants["ghp_scope"] = .init(login: "octocat")
                $0.set("/orgs/acme", json: ["login": "acme"])
            }
            let connected = try await api.request(
                .post,
                "/api/v1/integrations/github/",
                json: ["token": "ghp_scope", "organization": "acme"],
                token: admin.access
            )
            let id = try #require(try connected.json()["id"] as? String)
            for role in ["MEMBER", "VIEWER"] {
                let user = try await api.join(admin, role: role)
                let listed = try await api.request(.get, "/api/v1/integrations/", token: user.access)
                #expect(listed.status == .ok, "\(role)")
                #expect(try listed.json()["count"] as? Int == 1)
                #expect(!listed.text.contains("ghp_scope"))
                let repositories = try await api.request(.get, "/api/v1/integrations/\(id)/repositories/", token: user.access)
                #expect(repositories.status == .forbidden, "\(role)")
                let removal = try await api.request(.delete, "/api/v1/integrations/\(id)/", token: user.access)
                #expect(removal.status == .forbidden, "\(role)")
                let connect = try await api.request(.post, "/api/v1/integrations/github/", json: ["token": "ghp_scope"], token: user.access)
                #expect(connect.status == .forbidden, "\(role)")
            }
        }
    }
}
