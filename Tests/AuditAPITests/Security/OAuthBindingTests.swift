import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import PostgresNIO
import TestSupport
import Testing

@testable import AuditAPI
@testable import Core

extension Security {
    /// GitHub's OAuth callback completes only for the browser (or app login) that started the flow.
    @Suite("OAuth callback binding")
    struct OAuthBindingTests {
        struct Flow {
            let code: String
            let state: String
            let binding: String
        }

        static func start(_ api: APIClient, _ fake: FakeGitHub, _ admin: Account, token: String = "gho_victimOAuth") async throws -> Flow {
            let started = try await api.request(.post, "/api/v1/integrations/github/authorize/", token: admin.access)
            let url = try #require(try started.json()["authorize_url"] as? String)
            let setCookie = try #require(started.headers[values: .setCookie].first { $0.hasPrefix("auditmate_github_oauth=") })
            #expect(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Lax"))
            #expect(setCookie.contains("Path=/api/v1/integrations/github/callback/"))
            let binding = try #require(setCookie.split(separator: ";").first.map(String.init))
            let (code, state) = fake.authorize(url: url, token: token)
            return Flow(code: code, state: state, binding: binding)
        }

        static func exchanges(_ fake: FakeGitHub) -> Int {
            fake.requests.filter { $0.path == "/login/oauth/access_token" }.count
        }

        @Test func forgedForeignAndUnboundCallbacksStoreNothing() async throws {
            try await IntegrationTests.withGitHub { api, config, fake in
                fake.configure { $0.grants["gho_victimOAuth"] = .init(login: "octocat", scopes: []) }
                let admin = try await api.register()

                // Without the binding (a link sent to someone, or a forged request): refused.
                let unbound = try await Self.start(api, fake, admin)
                let plain = try await api.request(.get, "/api/v1/integrations/github/callback/?code=\(unbound.code)&state=\(unbound.state)")
                #expect(plain.status == .badRequest)

                // Another browser's binding: refused.
                let mine = try await Self.start(api, fake, admin)
                let theirs = try await Self.start(api, fake, admin)
                let swapped = try await api.request(
                    .get,
                    "/api/v1/integrations/github/callback/?code=\(mine.code)&state=\(mine.state)",
                    headers: [.cookie: theirs.binding]
                )
                #expect(swapped.status == .badRequest)

                // A forged state with a real binding: refused.
                let forged = try await api.request(
                    .get,
                    "/api/v1/integrations/github/callback/?code=\(theirs.code)&state=forged",
                    headers: [.cookie: theirs.binding]
                )
                #expect(forged.status == .badRequest)

                // Another user's bearer token with the state: refused.
                let other = try await api.register()
                let bearerFlow = try await Self.start(api, fake, admin)
                let post = try await api.request(
                    .post,
                    "/api/v1/integrations/github/callback/",
                    json: ["code": bearerFlow.code, "state": bearerFlow.state],
                    token: other.access
                )
                #expect(post.status == .badRequest)

                #expect(Self.exchanges(fake) == 0, "no code was ever exchanged")
                #expect(try await IntegrationTests.storedCiphertexts(config.database).isEmpty)
            }
        }

        @Test func theInitiatingBrowserOrAppCompletesUnlessTheInitiatorLostAdmin() async throws {
            try await IntegrationTests.withGitHub { api, config, fake in
                fake.configure { $0.grants["gho_victimOAuth"] = .init(login: "octocat", scopes: []) }
                let admin = try await api.register()

                let browser = try await Self.start(api, fake, admin)
                let completed = try await api.request(
                    .get,
                    "/api/v1/integrations/github/callback/?code=\(browser.code)&state=\(browser.state)",
                    headers: [.cookie: browser.binding]
                )
                #expect(completed.status == .created, "\(completed.text)")

                let app = try await Self.start(api, fake, admin)
                let posted = try await api.request(
                    .post,
                    "/api/v1/integrations/github/callback/",
                    json: ["code": app.code, "state": app.state],
                    token: admin.access
                )
                #expect(posted.status == .created, "\(posted.text)")

                // The initiator is demoted between authorize and callback.
                let demoted = try await Self.start(api, fake, admin)
                let second = try await api.join(admin, role: "ADMIN")
                let change = try await api.request(
                    .patch,
                    "/api/v1/organizations/current/members/\(admin.userID)/",
                    json: ["role": "VIEWER"],
                    token: second.access
                )
                #expect(change.status == .ok, "\(change.text)")
                let late = try await api.request(
                    .get,
                    "/api/v1/integrations/github/callback/?code=\(demoted.code)&state=\(demoted.state)",
                    headers: [.cookie: demoted.binding]
                )
                #expect(late.status == .badRequest)
                #expect(Self.exchanges(fake) == 2)
                #expect(try await IntegrationTests.storedCiphertexts(config.database).count == 2)
            }
        }
    }
}
