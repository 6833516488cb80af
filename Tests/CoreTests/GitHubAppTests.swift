import CryptoExtras
import Foundation
import Logging
import TestSupport
import Testing

@testable import Core

/// AuditMate as a GitHub App (issue 17): its configuration, its RS256 JWT as GitHub checks it, and
/// installation tokens kept encrypted in Redis until five minutes before they expire.
@Suite("GitHub App")
struct GitHubAppTests {
    static let logger = Logger(label: "tests.github-app")

    /// A fresh 2048-bit key pair, as GitHub generates one for an App: (private PEM, public PEM).
    static func keyPair() throws -> (String, String) {
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        return (key.pemRepresentation, key.publicKey.pemRepresentation)
    }

    static func environment(_ privatePEM: String, _ extra: [String: String] = [:]) -> [String: String] {
        [
            "GITHUB_APP_ID": "123456", "GITHUB_APP_SLUG": "auditmate-test", "GITHUB_APP_PRIVATE_KEY": privatePEM,
            "GITHUB_WEBHOOK_SECRET": "old-secret, new-secret",
        ].merging(extra) { $1 }
    }

    @Test func theAppIsConfiguredWholeOrNotAtAll() throws {
        #expect(try AppConfig(environment: [:]).github.app == nil, "without the variables there is no App")
        let (privatePEM, _) = try Self.keyPair()

        let app = try #require(try AppConfig(environment: Self.environment(privatePEM)).github.app)
        #expect(app.appID == "123456" && app.slug == "auditmate-test")
        #expect(app.webhookSecrets == ["old-secret", "new-secret"])
        #expect(app.webhookDebounce == .seconds(60))

        // One line with literal \n escapes, as env files carry it; or a file.
        let oneLine = privatePEM.replacingOccurrences(of: "\n", with: "\\n")
        #expect(try AppConfig(environment: Self.environment(oneLine)).github.app != nil)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("app-\(UUID().uuidString).pem")
        try Data(privatePEM.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        var fromFile = Self.environment(privatePEM, ["GITHUB_APP_PRIVATE_KEY_FILE": file.path])
        fromFile["GITHUB_APP_PRIVATE_KEY"] = nil
        #expect(try AppConfig(environment: fromFile).github.app != nil)

        func refusal(_ environment: [String: String]) -> ConfigError? {
            do {
                _ = try AppConfig(environment: environment)
                return nil
            } catch {
                return error
            }
        }
        var missingSlug = Self.environment(privatePEM)
        missingSlug["GITHUB_APP_SLUG"] = nil
        #expect(refusal(missingSlug)?.variable == "GITHUB_APP_SLUG")
        #expect(
            refusal(Self.environment("-----BEGIN RSA PRIVATE KEY-----\nnot a key\n-----END RSA PRIVATE KEY-----"))?.variable
                == "GITHUB_APP_PRIVATE_KEY"
        )
        #expect(refusal(Self.environment(privatePEM, ["GITHUB_APP_PRIVATE_KEY_FILE": file.path]))?.variable == "GITHUB_APP_PRIVATE_KEY")
        #expect(refusal(Self.environment(privatePEM, ["GITHUB_APP_ID": "12ab"]))?.variable == "GITHUB_APP_ID")
        #expect(refusal(["GITHUB_WEBHOOK_SECRET": "only-this"])?.variable == "GITHUB_APP_ID")
        let message = refusal(Self.environment("-----BEGIN RSA PRIVATE KEY-----\nsecretstuff\n-----END RSA PRIVATE KEY-----"))?.description
        #expect(message?.contains("secretstuff") == false, "the key never reaches the message")
    }

    struct Bed {
        let fake: FakeGitHub
        let app: GitHubApp
        let client: GitHubClient
        let redis: RedisClient
    }

    static func withApp(tokenLifetime: TimeInterval = 3600, _ body: (Bed) async throws -> Void) async throws {
        let (privatePEM, publicPEM) = try Self.keyPair()
        let fake = try await FakeGitHub()
        defer { fake.shutdown() }
        fake.configure {
            $0.app = .init(
                id: "123456",
                publicKeyPEM: publicPEM,
                installations: [42: .init(account: "acme"), 43: .init(account: "octo-user", accountType: "User", suspended: true)],
                tokenLifetime: tokenLifetime
            )
            $0.set("/orgs/acme", json: ["login": "acme", "id": 1])
        }
        let settings = try #require(try AppConfig(environment: Self.environment(privatePEM)).github.app)
        let redis = RedisClient(settings: TestEnvironment.redis, logger: logger)
        let client = GitHubClient(settings: GitHubSettings(apiURL: fake.apiURL, allowsLoopback: true), redis: redis, logger: logger)
        let app = await GitHubApp(
            settings: settings,
            apiURL: fake.apiURL,
            client: client,
            redis: redis,
            fernet: try Fernet(keys: [AppConfig.Defaults.fernetKey]),
            logger: logger
        )
        try await withCleanup {
            try await body(Bed(fake: fake, app: app, client: client, redis: redis))
        } cleanup: {
            for installation in [42, 43] { await app.forget(installation: installation) }
            try? await redis.close()
        }
    }

    @Test func theJWTIsWhatGitHubAsksFor() async throws {
        try await Self.withApp { bed in
            let now = Date()
            let jwt = try await bed.app.jwt(now: now)
            let parts = jwt.split(separator: ".").map(String.init)
            #expect(parts.count == 3)
            let header = try JSONSerialization.jsonObject(with: Data(try #require(Base64URL.decode(parts[0])))) as? [String: Any]
            #expect(header?["alg"] as? String == "RS256")
            let claims = try JSONSerialization.jsonObject(with: Data(try #require(Base64URL.decode(parts[1])))) as? [String: Any]
            #expect(claims?["iss"] as? String == "123456")
            let iat = try #require(claims?["iat"] as? Int)
            let exp = try #require(claims?["exp"] as? Int)
            #expect(Int(now.timeIntervalSince1970) - iat == 60, "issued a minute in the past")
            #expect(exp - Int(now.timeIntervalSince1970) <= 600, "at most ten minutes ahead")
            #expect(exp > Int(now.timeIntervalSince1970) + 60)

            // GitHub accepts it on /app/ endpoints: the fake verifies it with the public key.
            let installation = try await bed.app.installation(42)
            #expect(installation.account == .init(login: "acme", type: "Organization"))
            #expect(installation.repositorySelection == "all" && installation.permissions["members"] == "read")
            #expect(installation.suspendedAt == nil)
            await #expect { try await bed.app.installation(7) } throws: { ($0 as? GitHubError)?.kind == .notFound }
        }
    }

    @Test func aTokenIsMintedOnceKeptEncryptedAndMintedAgainWhenForgotten() async throws {
        try await Self.withApp { bed in
            let first = try await bed.app.token(installation: 42)
            #expect(first.tokenType == .appInstallation)
            let again = try await bed.app.token(installation: 42)
            #expect(again.token == first.token, "the kept token is reused")
            #expect(bed.fake.mintedTokens.count == 1)

            let kept = try await bed.redis.send("GET", bed.app.key(42)).string ?? ""
            #expect(!kept.isEmpty && !kept.contains(first.token), "kept in Redis, encrypted")
            let ttl = try await bed.redis.send("PTTL", bed.app.key(42)).int ?? 0
            #expect(ttl > 54 * 60_000 && ttl <= 55 * 60_000, "until five minutes before its hour is over: \(ttl) ms")
            // Read once its last five minutes have begun (a clock ahead of Redis's expiry), it is
            // minted anew.
            let late = try await bed.app.token(installation: 42, now: Date().addingTimeInterval(56 * 60))
            #expect(late.token != first.token)
            #expect(bed.fake.mintedTokens.count == 2)
            await bed.app.forget(installation: 42)

            // The token works on the rest of the API.
            let organization = try await bed.client.get("/orgs/acme", credential: first)
            #expect(organization.status == 200)

            // Refused (revoked, or expired early): forgotten, and the next call mints a new one.
            bed.fake.expireInstallationTokens()
            await #expect { try await bed.client.get("/orgs/acme", credential: first) } throws: {
                ($0 as? GitHubError)?.kind == .unauthorized
            }
            await bed.app.forget(installation: 42)
            let fresh = try await bed.app.token(installation: 42)
            #expect(fresh.token != first.token)
            #expect(try await bed.client.get("/orgs/acme", credential: fresh).status == 200)
            #expect(bed.fake.mintedTokens.map(\.installation) == [42, 42, 42])

            // A suspended installation gets no token.
            await #expect { try await bed.app.token(installation: 43) } throws: { ($0 as? GitHubError)?.kind == .forbidden }
        }
    }

    @Test func aTokenCloseToItsExpiryIsNotKept() async throws {
        // GitHub answered with less than the five minutes' margin left: used once, never kept.
        try await Self.withApp(tokenLifetime: 240) { bed in
            let first = try await bed.app.token(installation: 42)
            let second = try await bed.app.token(installation: 42)
            #expect(first.token != second.token)
            #expect(bed.fake.mintedTokens.count == 2)
            #expect(try await bed.redis.send("EXISTS", bed.app.key(42)).int == 0)
        }
    }
}
