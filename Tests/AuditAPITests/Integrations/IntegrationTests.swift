import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import PostgresNIO
import TestSupport
import Testing

@testable import AuditAPI
@testable import Core

@Suite("GitHub integrations")
struct IntegrationTests {
    /// The API pointed at a fake GitHub, with an OAuth app configured.
    static func withGitHub<Value: Sendable>(
        enterprise: Bool = false,
        _ body: @Sendable (APIClient, AppConfig, FakeGitHub) async throws -> Value
    ) async throws -> Value {
        let fake = try await FakeGitHub(enterprise: enterprise)
        defer { fake.shutdown() }
        let environment = [
            "GITHUB_API_URL": fake.apiURL, "GITHUB_WEB_URL": fake.webURL,
            "GITHUB_CLIENT_ID": "Iv1.fakeclient", "GITHUB_CLIENT_SECRET": "fake-client-secret",
        ]
        return try await withIdentityAPI(extra: environment) { api, config in try await body(api, config, fake) }
    }

    static func storedCiphertexts(_ database: DatabaseSettings) async throws -> [String] {
        try await TestDatabase.withConnection(database) { connection in
            let rows = try await connection.query("SELECT token_ciphertext FROM integrations", logger: Logger(label: "t"))
            var values: [String] = []
            for try await value in rows.decode(String.self) { values.append(value) }
            return values
        }
    }

    @Test func connectingWithATokenStoresItEncryptedAndNeverShowsIt() async throws {
        try await Self.withGitHub { api, config, fake in
            let admin = try await api.register()
            let token = "ghp_classicSecretToken0123456789abcdef"
            fake.configure {
                $0.grants[token] = .init(login: "octocat", scopes: ["repo", "read:org"])
                $0.set("/orgs/acme", json: ["login": "acme", "id": 42])
            }
            let connected = try await api.request(
                .post,
                "/api/v1/integrations/github/",
                json: ["token": token, "organization": "acme"],
                token: admin.access
            )
            #expect(connected.status == .created)
            #expect(!connected.text.contains(token))
            let body = try connected.json()
            #expect(body["account"] as? String == "acme")
            #expect(body["provider"] as? String == "github")
            #expect(body["token_type"] as? String == "classic_pat")
            #expect(body["scopes"] as? [String] == ["repo", "read:org"])
            #expect(body["base_url"] as? String == fake.apiURL)
            #expect(body["created_by"] as? String == admin.userID)
            #expect(body["last_used_at"] is NSNull)
            #expect(body["token"] == nil)

            let listed = try await api.request(.get, "/api/v1/integrations/", token: admin.access)
            #expect(listed.status == .ok)
            #expect(try listed.json()["count"] as? Int == 1)
            #expect(!listed.text.contains(token))

            // A database dump reveals only a Fernet token, which the configured key opens.
            let stored = try await Self.storedCiphertexts(config.database)
            #expect(stored.count == 1)
            #expect(!stored[0].contains(token))
            let fernet = try Fernet(keys: config.secrets.fernetKeys)
            #expect(String(decoding: try fernet.decrypt(stored[0]), as: UTF8.self) == token)
        }
    }

    @Test func tokensGitHubRefusesAreNotStored() async throws {
        try await Self.withGitHub { api, config, fake in
            let admin = try await api.register()
            let rejected = try await api.request(
                .post,
                "/api/v1/integrations/github/",
                json: ["token": "ghp_notAToken"],
                token: admin.access
            )
            #expect(rejected.status == .badRequest)
            #expect(try rejected.json()["token"] as? [String] == ["GitHub rejected the token: Bad credentials"])
            #expect(!rejected.text.contains("ghp_notAToken"))

            fake.configure { $0.grants["ghp_good"] = .init(login: "octocat") }
            let unknownOrg = try await api.request(
                .post,
                "/api/v1/integrations/github/",
                json: ["token": "ghp_good", "organization": "nowhere"],
                token: admin.access
            )
            #expect(unknownOrg.status == .badRequest)
            #expect(try unknownOrg.json()["organization"] as? [String] == ["GitHub: Not Found"])

            let badURL = try await api.request(
                .post,
                "/api/v1/integrations/github/",
                json: ["token": "ghp_good", "base_url": "ftp://github.example.com"],
                token: admin.access
            )
            #expect(badURL.status == .badRequest)
            #expect(try badURL.json()["base_url"] != nil)
            #expect(try await Self.storedCiphertexts(config.database).isEmpty)

            fake.configure { $0.badGateways = 10 }
            let down = try await api.request(.post, "/api/v1/integrations/github/", json: ["token": "ghp_good"], token: admin.access)
            #expect(down.status == .badGateway)
            #expect((try down.json()["detail"] as? String)?.hasPrefix("GitHub unavailable") == true)
        }
    }

    @Test func fineGrainedAppAndEnterpriseCredentials() async throws {
        try await Self.withGitHub(enterprise: true) { api, _, fake in
            let admin = try await api.register()
            fake.configure {
                $0.grants["github_pat_fineGrained"] = .init(login: "octocat", scopes: [])
                $0.grants["ghs_installationToken"] = .init(login: "acme[bot]", installation: true)
                $0.set(
                    "/installation/repositories",
                    json: ["total_count": 1, "repositories": [["id": 1, "full_name": "acme/api", "owner": ["login": "acme"]]]]
                )
            }
            let fine = try await api.request(
                .post,
                "/api/v1/integrations/github/",
                json: ["token": "github_pat_fineGrained"],
                token: admin.access
            )
            #expect(fine.status == .created)
            #expect(try fine.json()["token_type"] as? String == "fine_grained_pat")
            #expect(try fine.json()["base_url"] as? String == fake.apiURL)
            #expect(fake.apiURL.hasSuffix("/api/v3"))

            let app = try await api.request(
                .post,
                "/api/v1/integrations/github/",
                json: ["token": "ghs_installationToken"],
                token: admin.access
            )
            #expect(app.status == .created)
            #expect(try app.json()["token_type"] as? String == "app_installation")
            #expect(try app.json()["account"] as? String == "acme")
        }
    }

    /// `name=value` of the browser-binding cookie an authorize answer sets.
    static func oauthBinding(_ response: TestResponse) -> String? {
        response.headers[values: .setCookie].first { $0.hasPrefix("auditmate_github_oauth=") }?.split(separator: ";").first.map(String.init)
    }

    @Test func oauthFlowEndToEndAndStateMisuse() async throws {
        try await Self.withGitHub { api, config, fake in
            let admin = try await api.register()
            fake.configure { $0.grants["gho_fromOAuth"] = .init(login: "octocat", scopes: []) }

            let started = try await api.request(.post, "/api/v1/integrations/github/authorize/", token: admin.access)
            #expect(started.status == .ok)
            let body = try started.json()
            let url = try #require(body["authorize_url"] as? String)
            let state = try #require(body["state"] as? String)
            let query = Dictionary(uniqueKeysWithValues: (URLComponents(string: url)?.queryItems ?? []).map { ($0.name, $0.value ?? "") })
            #expect(url.hasPrefix(fake.webURL + "/login/oauth/authorize?"))
            #expect(query["client_id"] == "Iv1.fakeclient")
            #expect(query["code_challenge_method"] == "S256")
            #expect(query["state"] == state)
            #expect(query["redirect_uri"]?.hasSuffix("/api/v1/integrations/github/callback/") == true)

            let binding = try #require(Self.oauthBinding(started))
            let (code, returnedState) = fake.authorize(url: url, token: "gho_fromOAuth", scope: "repo,read:org")
            let callback = "/api/v1/integrations/github/callback/?code=\(code)&state=\(returnedState)"
            let completed = try await api.request(.get, callback, headers: [.cookie: binding])
            #expect(completed.status == .created, "\(completed.text)")
            #expect(try completed.json()["token_type"] as? String == "oauth")
            #expect(try completed.json()["scopes"] as? [String] == ["repo", "read:org"])
            #expect(try completed.json()["created_by"] as? String == admin.userID)

            // The state is spent.
            let reused = try await api.request(.get, callback, headers: [.cookie: binding])
            #expect(reused.status == .badRequest)
            #expect(try reused.json()["state"] != nil)
            #expect(try await api.request(.get, "/api/v1/integrations/github/callback/?code=x&state=made-up").status == .badRequest)
            #expect(try await api.request(.get, "/api/v1/integrations/github/callback/?code=x").status == .badRequest)

            // A state started by one admin cannot be completed by another.
            let other = try await api.register()
            let second = try await api.request(.post, "/api/v1/integrations/github/authorize/", token: admin.access)
            let secondURL = try #require(try second.json()["authorize_url"] as? String)
            let (secondCode, secondState) = fake.authorize(url: secondURL, token: "gho_fromOAuth")
            let foreign = try await api.request(
                .get,
                "/api/v1/integrations/github/callback/?code=\(secondCode)&state=\(secondState)",
                token: other.access
            )
            #expect(foreign.status == .badRequest)

            // An expired state is the same as an unknown one.
            let third = try await api.request(.post, "/api/v1/integrations/github/authorize/", token: admin.access)
            let thirdState = try #require(try third.json()["state"] as? String)
            let redis = RedisClient(settings: config.redis, logger: Logger(label: "t"))
            try await redis.send("DEL", IntegrationService.stateKey(thirdState))
            try await redis.close()
            #expect(try await api.request(.get, "/api/v1/integrations/github/callback/?code=x&state=\(thirdState)").status == .badRequest)

            #expect(try await Self.storedCiphertexts(config.database).count == 1, "only the completed flow stored anything")
        }
    }

    @Test func repositoriesArePaginatedAndRevalidated() async throws {
        try await Self.withGitHub { api, _, fake in
            let admin = try await api.register()
            fake.configure {
                $0.grants["ghp_repos"] = .init(login: "octocat")
                $0.set("/orgs/acme", json: ["login": "acme"])
                $0.set(
                    "/orgs/acme/repos",
                    json: (1...145).map {
                        ["id": $0, "full_name": String(format: "acme/repo-%03d", $0), "private": true, "visibility": "private"]
                    }
                )
            }
            let connected = try await api.request(
                .post,
                "/api/v1/integrations/github/",
                json: ["token": "ghp_repos", "organization": "acme"],
                token: admin.access
            )
            let id = try #require(try connected.json()["id"] as? String)

            let first = try await api.request(.get, "/api/v1/integrations/\(id)/repositories/", token: admin.access)
            #expect(first.status == .ok)
            let page = try first.json()
            #expect(page["count"] as? Int == 145)
            let results = try #require(page["results"] as? [[String: Any]])
            #expect(results.count == 20)
            #expect(results.first?["full_name"] as? String == "acme/repo-001")
            #expect(results.first?["private"] as? Bool == true)
            #expect((page["next"] as? String)?.hasSuffix("?page=2") == true)

            let before = fake.requests.filter { $0.path == "/orgs/acme/repos" }
            #expect(before.count == 2, "two GitHub pages of 100")
            let eighth = try await api.request(.get, "/api/v1/integrations/\(id)/repositories/?page=8", token: admin.access)
            #expect((try eighth.json()["results"] as? [[String: Any]])?.count == 5)
            let after = fake.requests.filter { $0.path == "/orgs/acme/repos" }.dropFirst(2)
            #expect(after.count == 2)
            #expect(after.allSatisfy { $0.headers["if-none-match"] != nil }, "the second read revalidates by ETag")

            let listed = try await api.request(.get, "/api/v1/integrations/", token: admin.access)
            let integration = (try listed.json()["results"] as? [[String: Any]])?.first
            #expect(integration?["last_used_at"] is String)
        }
    }

    @Test func removingAnIntegrationIsAuditLogged() async throws {
        try await Self.withGitHub { api, config, fake in
            let admin = try await api.register()
            fake.configure { $0.grants["ghp_remove"] = .init(login: "octocat") }
            let connected = try await api.request(.post, "/api/v1/integrations/github/", json: ["token": "ghp_remove"], token: admin.access)
            let id = try #require(try connected.json()["id"] as? String)
            #expect(try await api.request(.delete, "/api/v1/integrations/\(id)/", token: admin.access).status == .noContent)
            #expect(try await api.request(.delete, "/api/v1/integrations/\(id)/", token: admin.access).status == .notFound)
            #expect(try await Self.storedCiphertexts(config.database).isEmpty)
            let log = try await api.request(.get, "/api/v1/audit-log/", token: admin.access)
            let actions = (try log.json()["results"] as? [[String: Any]])?.compactMap { $0["action"] as? String } ?? []
            #expect(actions.prefix(2) == ["integration.removed", "integration.connected"])
        }
    }

    @Test func rotateSecretsReEncryptsUnderTheNewKey() async throws {
        try await Self.withGitHub { api, config, fake in
            let admin = try await api.register()
            fake.configure { $0.grants["ghp_rotate"] = .init(login: "octocat") }
            _ = try await api.request(.post, "/api/v1/integrations/github/", json: ["token": "ghp_rotate"], token: admin.access)
            let before = try await Self.storedCiphertexts(config.database)
            // A second factor's secret is a Fernet ciphertext at rest as well.
            let enrolled = try await api.request(.post, "/api/v1/users/me/two-factor/", token: admin.access)
            let secret = try #require(try enrolled.json()["secret"] as? String)
            let unsentMail = try await TestDatabase.withConnection(config.database) { connection in
                try await connection.query("SELECT count(*) FROM emails WHERE token_ciphertext IS NOT NULL", logger: Logger(label: "t"))
                    .collect().first?.decode(Int.self) ?? 0
            }
            let total = 2 + unsentMail

            let newKey = Base64URL.encode((0..<32).map { _ in UInt8.random(in: 0...255) })
            var environment = TestEnvironment.processEnvironment(database: config.database)
            environment["FERNET_KEYS"] = "\(newKey),\(config.secrets.fernetKeys[0])"
            let binary = TestEnvironment.binDirectory.appendingPathComponent("AuditAPI")
            let first = try await ChildProcess.run(binary, arguments: ["rotate-secrets"], environment: environment)
            #expect(first.status == 0, "\(first.stderr)")
            #expect(first.stdout == "Re-encrypted \(total) of \(total) secret(s) with the first FERNET_KEYS key.\n")
            let again = try await ChildProcess.run(binary, arguments: ["rotate-secrets"], environment: environment)
            #expect(again.stdout == "Re-encrypted 0 of \(total) secret(s) with the first FERNET_KEYS key.\n")

            let after = try await Self.storedCiphertexts(config.database)
            #expect(after != before)
            let onlyNew = try Fernet(keys: [newKey])
            #expect(String(decoding: try onlyNew.decrypt(after[0]), as: UTF8.self) == "ghp_rotate")
            let factor = try await TestDatabase.withConnection(config.database) { connection in
                try await connection.query("SELECT secret_ciphertext FROM two_factor", logger: Logger(label: "t")).collect().first?.decode(
                    String.self
                )
            }
            #expect(TOTP(secret: Array(try onlyNew.decrypt(try #require(factor)))).base32Secret == secret)
        }
    }
}
