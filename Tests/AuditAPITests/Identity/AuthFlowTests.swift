import Core
import Foundation
import HTTPTypes
import TestSupport
import Testing

@testable import AuditAPI

@Suite("Registration, tokens and logout")
struct AuthFlowTests {
    @Test func registerCreatesUserOrganizationAndAdminMembership() async throws {
        try await withIdentityAPI { api, _ in
            let response = try await api.request(
                .post,
                "/api/v1/auth/register/",
                json: [
                    "email": "Ada@Example.COM", "password": "analytical engine", "full_name": "Ada Lovelace",
                    "organization_name": "Müller & Søn 株式会社",
                ]
            )
            #expect(response.status == .created)
            let body = try response.json()
            let user = try #require(body["user"] as? [String: Any])
            #expect(user["email"] as? String == "ada@example.com")
            #expect(user["full_name"] as? String == "Ada Lovelace")
            let organization = try #require(body["organization"] as? [String: Any])
            #expect(organization["name"] as? String == "Müller & Søn 株式会社")
            #expect(organization["slug"] as? String == "muller-son")
            #expect(organization["subscription_status"] as? String == "trialing")
            #expect(organization["created_at"] is String)
            let memberships = try #require(user["organizations"] as? [[String: Any]])
            #expect(memberships.count == 1)
            #expect(memberships.first?["role"] as? String == "ADMIN")
            #expect(memberships.first?["id"] as? String == organization["id"] as? String)
            let access = try #require(body["access"] as? String)
            #expect((body["refresh"] as? String)?.isEmpty == false)

            let me = try await api.request(.get, "/api/v1/users/me/", token: access)
            #expect(me.status == .ok)
            #expect(try me.json()["id"] as? String == user["id"] as? String)
        }
    }

    @Test func registrationValidatesEveryField() async throws {
        try await withIdentityAPI { api, _ in
            let missing = try await api.request(.post, "/api/v1/auth/register/", json: ["password": "whatever password"])
            #expect(missing.status == .badRequest)
            #expect(try missing.json()["email"] as? [String] == ["This field is required."])

            let bad = try await api.request(
                .post,
                "/api/v1/auth/register/",
                json: ["email": "not-an-email", "password": "1234567890", "full_name": "", "organization_name": "Acme"]
            )
            #expect(bad.status == .badRequest)
            let errors = try bad.json()
            #expect(errors["email"] as? [String] == ["Enter a valid email address."])
            #expect(errors["full_name"] as? [String] == ["This field may not be blank."])
            #expect((errors["password"] as? [String])?.contains("This password is entirely numeric.") == true)

            for (password, problem) in [
                ("short", "This password is too short. It must contain at least 10 characters."),
                ("grace@example.com", "The password is too similar to the email address."),
                ("my-grace-password", "The password is too similar to the email address."),
            ] {
                let response = try await api.request(
                    .post,
                    "/api/v1/auth/register/",
                    json: ["email": "grace@example.com", "password": password, "full_name": "Grace", "organization_name": "Navy"]
                )
                #expect(response.status == .badRequest)
                #expect((try response.json()["password"] as? [String])?.contains(problem) == true, "\(password)")
            }
        }
    }

    @Test func emailsAreUniqueCaseInsensitively() async throws {
        try await withIdentityAPI { api, _ in
            let first = try await api.register(email: "dup@example.com")
            #expect(!first.access.isEmpty)
            let again = try await api.request(
                .post,
                "/api/v1/auth/register/",
                json: ["email": "DUP@example.com", "password": "some other password", "full_name": "X", "organization_name": "Y"]
            )
            #expect(again.status == .badRequest)
            #expect(try again.json()["email"] as? [String] == ["Unable to register with this email address."])
        }
    }

    @Test func obtainTokensWithGoodAndBadCredentials() async throws {
        try await withIdentityAPI { api, _ in
            let account = try await api.register()
            let good = try await api.request(
                .post,
                "/api/v1/auth/token/",
                json: ["email": account.email.uppercased(), "password": account.password]
            )
            #expect(good.status == .ok)
            let pair = try good.json()
            #expect(Set(pair.keys) == ["access", "refresh"])

            let wrong = try await api.request(.post, "/api/v1/auth/token/", json: ["email": account.email, "password": "wrong password!"])
            #expect(wrong.status == .unauthorized)
            #expect(try wrong.json()["detail"] as? String == "No active account found with the given credentials")

            let unknown = try await api.request(
                .post,
                "/api/v1/auth/token/",
                json: ["email": "nobody@example.com", "password": "whatever it is"]
            )
            #expect(unknown.status == .unauthorized)
            #expect(try unknown.json()["detail"] as? String == "No active account found with the given credentials")

            let foreign = try await api.request(
                .post,
                "/api/v1/auth/token/",
                json: ["email": account.email, "password": account.password, "organization": UUID().uuidString]
            )
            #expect(foreign.status == .notFound)
        }
    }

    @Test func verifyAcceptsGenuineTokensOnly() async throws {
        try await withIdentityAPI { api, _ in
            let account = try await api.register()
            for token in [account.access, account.refresh] {
                let response = try await api.request(.post, "/api/v1/auth/token/verify/", json: ["token": token])
                #expect(response.status == .ok)
                #expect(response.text.filter { !$0.isWhitespace } == "{}")
            }
            let garbage = try await api.request(.post, "/api/v1/auth/token/verify/", json: ["token": "abc.def.ghi"])
            #expect(garbage.status == .unauthorized)
            let body = try garbage.json()
            #expect(body["detail"] as? String == "Token is invalid or expired")
            #expect(body["code"] as? String == "token_not_valid")
        }
    }

    @Test func refreshRotatesAndReuseRevokesTheFamily() async throws {
        try await withIdentityAPI { api, _ in
            let account = try await api.register()
            let rotated = try await api.request(.post, "/api/v1/auth/token/refresh/", json: ["refresh": account.refresh])
            #expect(rotated.status == .ok)
            let pair = try rotated.json()
            let newAccess = try #require(pair["access"] as? String)
            let newRefresh = try #require(pair["refresh"] as? String)
            #expect(newRefresh != account.refresh)
            #expect(try await api.request(.get, "/api/v1/users/me/", token: newAccess).status == .ok)

            // The old refresh token is spent; presenting it again is treated as theft.
            let reused = try await api.request(.post, "/api/v1/auth/token/refresh/", json: ["refresh": account.refresh])
            #expect(reused.status == .unauthorized)
            #expect(try await api.request(.post, "/api/v1/auth/token/refresh/", json: ["refresh": newRefresh]).status == .unauthorized)
            #expect(try await api.request(.get, "/api/v1/users/me/", token: newAccess).status == .unauthorized)
            #expect(try await api.request(.post, "/api/v1/auth/token/verify/", json: ["token": newAccess]).status == .unauthorized)

            // Other logins of the same user are unaffected.
            let other = try await api.request(.post, "/api/v1/auth/token/", json: ["email": account.email, "password": account.password])
            #expect(other.status == .ok)
        }
    }

    @Test func concurrentRefreshesOfOneTokenLetExactlyOneThrough() async throws {
        try await withIdentityAPI { api, _ in
            let account = try await api.register()
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for _ in 0..<2 {
                    group.addTask { try await api.request(.post, "/api/v1/auth/token/refresh/", json: ["refresh": account.refresh]).status }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .ok }.count == 1)
            #expect(statuses.filter { $0 == .unauthorized }.count == 1)
        }
    }

    @Test func logoutRevokesTheLogin() async throws {
        try await withIdentityAPI { api, _ in
            let account = try await api.register()
            let anonymous = try await api.request(.post, "/api/v1/auth/logout/", json: ["refresh": account.refresh])
            #expect(anonymous.status == .unauthorized)
            #expect(anonymous.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)

            let logout = try await api.request(.post, "/api/v1/auth/logout/", json: ["refresh": account.refresh], token: account.access)
            #expect(logout.status == .noContent)
            #expect(try await api.request(.post, "/api/v1/auth/token/refresh/", json: ["refresh": account.refresh]).status == .unauthorized)
            #expect(try await api.request(.get, "/api/v1/users/me/", token: account.access).status == .unauthorized)
        }
    }

    @Test func switchOrganizationScopesANewPair() async throws {
        try await withIdentityAPI { api, _ in
            let owner = try await api.register(organization: "First")
            let other = try await api.register(organization: "Second")
            // The owner of "First" joins "Second" as a VIEWER.
            let invite = try await api.request(
                .post,
                "/api/v1/organizations/current/invitations/",
                json: ["email": owner.email, "role": "VIEWER"],
                token: other.access
            )
            let token = try #require(try invite.json()["token"] as? String)
            let accepted = try await api.request(.post, "/api/v1/invitations/accept/", json: ["token": token], token: owner.access)
            #expect(accepted.status == .ok)
            #expect(try accepted.json()["access"] == nil)

            let switched = try await api.request(
                .post,
                "/api/v1/auth/switch-organization/",
                json: ["organization": other.organizationID],
                token: owner.access
            )
            #expect(switched.status == .ok)
            let access = try #require(try switched.json()["access"] as? String)
            let current = try await api.request(.get, "/api/v1/organizations/current/", token: access)
            #expect(try current.json()["id"] as? String == other.organizationID)
            // A VIEWER there now: renaming is refused.
            #expect(
                try await api.request(.patch, "/api/v1/organizations/current/", json: ["name": "Nope"], token: access).status == .forbidden
            )

            let stranger = try await api.register()
            let refused = try await api.request(
                .post,
                "/api/v1/auth/switch-organization/",
                json: ["organization": stranger.organizationID],
                token: owner.access
            )
            #expect(refused.status == .notFound)
        }
    }

    @Test func passwordChangeRevokesEveryLogin() async throws {
        try await withIdentityAPI { api, _ in
            let account = try await api.register()
            let second = try await api.request(.post, "/api/v1/auth/token/", json: ["email": account.email, "password": account.password])
            let secondRefresh = try #require(try second.json()["refresh"] as? String)

            let wrong = try await api.request(
                .post,
                "/api/v1/users/me/password/",
                json: ["current_password": "not it at all", "new_password": "a brand new secret"],
                token: account.access
            )
            #expect(wrong.status == .badRequest)
            #expect(try wrong.json()["current_password"] != nil)

            let weak = try await api.request(
                .post,
                "/api/v1/users/me/password/",
                json: ["current_password": account.password, "new_password": "123"],
                token: account.access
            )
            #expect(weak.status == .badRequest)
            #expect(try weak.json()["new_password"] != nil)

            let changed = try await api.request(
                .post,
                "/api/v1/users/me/password/",
                json: ["current_password": account.password, "new_password": "a brand new secret"],
                token: account.access
            )
            #expect(changed.status == .noContent)
            #expect(try await api.request(.get, "/api/v1/users/me/", token: account.access).status == .unauthorized)
            #expect(try await api.request(.post, "/api/v1/auth/token/refresh/", json: ["refresh": secondRefresh]).status == .unauthorized)
            let old = try await api.request(.post, "/api/v1/auth/token/", json: ["email": account.email, "password": account.password])
            #expect(old.status == .unauthorized)
            let new = try await api.request(.post, "/api/v1/auth/token/", json: ["email": account.email, "password": "a brand new secret"])
            #expect(new.status == .ok)
        }
    }

    @Test func profileUpdate() async throws {
        try await withIdentityAPI { api, _ in
            let account = try await api.register()
            let updated = try await api.request(
                .patch,
                "/api/v1/users/me/",
                json: ["full_name": "  Renamed Person "],
                token: account.access
            )
            #expect(updated.status == .ok)
            #expect(try updated.json()["full_name"] as? String == "Renamed Person")
            let blank = try await api.request(.patch, "/api/v1/users/me/", json: ["full_name": " "], token: account.access)
            #expect(blank.status == .badRequest)
            #expect(try blank.json()["full_name"] as? [String] == ["This field may not be blank."])
        }
    }
}
