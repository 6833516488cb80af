import Foundation
import Logging
import TestSupport
import Testing

@testable import Core

@Suite("GitHub client")
struct GitHubClientTests {
    static func client(reserve: Int = 50, backoff: Duration = .seconds(1)) -> (GitHubClient, RedisClient) {
        let redis = RedisClient(settings: TestEnvironment.redis, logger: Logger(label: "t"))
        let settings = GitHubSettings(rateLimitReserve: reserve, secondaryLimitBackoff: backoff, allowsLoopback: true)
        return (GitHubClient(settings: settings, redis: redis, logger: Logger(label: "t")), redis)
    }

    /// A fake GitHub with one token; each test gets its own server and token (so its own cache and ledger).
    static func fake(enterprise: Bool = false) async throws -> (FakeGitHub, GitHubCredential) {
        let fake = try await FakeGitHub(enterprise: enterprise)
        let token = "ghp_" + UUID().uuidString.replacingOccurrences(of: "-", with: "")
        fake.configure { $0.grants[token] = .init(login: "octocat") }
        return (fake, GitHubCredential(baseURL: fake.apiURL, token: token))
    }

    static func repositories(_ count: Int, owner: String = "acme") -> [[String: Any]] {
        (1...count).map { ["id": $0, "full_name": "\(owner)/repo-\($0)", "private": $0 % 2 == 0, "default_branch": "main"] }
    }

    @Test func sendsGitHubsHeadersAndReadsAllPagesByLink() async throws {
        let (client, redis) = Self.client()
        let (fake, credential) = try await Self.fake()
        defer { fake.shutdown() }
        try await withCleanup { () async throws -> Void in
            fake.configure { $0.set("/orgs/acme/repos", json: Self.repositories(250)) }

            let items = try await client.getAll("/orgs/acme/repos?type=all", credential: credential)
            #expect(items.count == 250)
            #expect(items.last?["full_name"] as? String == "acme/repo-250")
            let requests = fake.requests
            #expect(requests.count == 3)
            #expect(requests.map(\.query) == ["type=all&per_page=100", "type=all&per_page=100&page=2", "type=all&per_page=100&page=3"])
            let first = try #require(requests.first)
            #expect(first.headers["accept"] == "application/vnd.github+json")
            #expect(first.headers["x-github-api-version"] == "2022-11-28")
            #expect(first.headers["user-agent"]?.hasPrefix("AuditMate/") == true)
            #expect(first.headers["authorization"] == "Bearer \(credential.token)")
        } cleanup: {
            try? await redis.close()
        }
    }

    @Test func etagsMakeRepeatsFree() async throws {
        let (client, redis) = Self.client()
        let (fake, credential) = try await Self.fake()
        defer { fake.shutdown() }
        try await withCleanup { () async throws -> Void in
            fake.configure { $0.set("/orgs/acme", json: ["login": "acme", "plan": ["name": "team"]]) }

            let first = try await client.get("/orgs/acme", credential: credential)
            #expect(!first.revalidated)
            let remainingAfterFirst = fake.requests.count
            let second = try await client.get("/orgs/acme", credential: credential)
            #expect(second.revalidated)
            #expect(second.body == first.body)
            #expect(second.status == 200)
            let conditional = try #require(fake.requests.last)
            #expect(conditional.headers["if-none-match"] == first.header("etag"))
            #expect(fake.requests.count == remainingAfterFirst + 1)
            // The 304 did not spend the rate limit.
            var remaining = 0
            fake.configure { remaining = $0.rateRemaining }
            #expect(remaining == 4999)
        } cleanup: {
            try? await redis.close()
        }
    }

    @Test func primaryRateLimitIsRespectedBeforeItRunsOut() async throws {
        let (client, redis) = Self.client(reserve: 50)
        let (fake, credential) = try await Self.fake()
        defer { fake.shutdown() }
        try await withCleanup { () async throws -> Void in
            let reset = Int(Date.now.timeIntervalSince1970) + 600
            fake.configure {
                $0.set("/orgs/acme", json: ["login": "acme"])
                $0.rateRemaining = 45
                $0.rateReset = reset
            }
            _ = try await client.get("/orgs/acme", credential: credential)
            let before = fake.requests.count
            await #expect {
                try await client.get("/orgs/acme", credential: credential)
            } throws: { error in
                guard let error = error as? GitHubError else { return false }
                return error.kind == .rateLimited && error.retryAt == Date(timeIntervalSince1970: TimeInterval(reset))
            }
            #expect(fake.requests.count == before, "no request once the budget is down to the reserve")
        } cleanup: {
            try? await redis.close()
        }
    }

    @Test func exhaustedPrimaryLimitReportsTheReset() async throws {
        let (client, redis) = Self.client(reserve: 0)
        let (fake, credential) = try await Self.fake()
        defer { fake.shutdown() }
        try await withCleanup { () async throws -> Void in
            let reset = Int(Date.now.timeIntervalSince1970) + 600
            fake.configure {
                $0.rateRemaining = 0
                $0.rateReset = reset
            }
            await #expect {
                try await client.get("/orgs/acme", credential: credential)
            } throws: { error in
                (error as? GitHubError)?.kind == .rateLimited
                    && (error as? GitHubError)?.retryAt == Date(timeIntervalSince1970: TimeInterval(reset))
            }

        } cleanup: {
            try? await redis.close()
        }
    }

    @Test func secondaryLimitsAreWaitedOutThenGivenUp() async throws {
        let (client, redis) = Self.client()
        let (fake, credential) = try await Self.fake()
        defer { fake.shutdown() }
        try await withCleanup { () async throws -> Void in
            fake.configure {
                $0.set("/orgs/acme", json: ["login": "acme"])
                $0.secondaryLimits = 1
            }
            let started = ContinuousClock.now
            let response = try await client.get("/orgs/acme", credential: credential)
            #expect(response.status == 200)
            #expect(ContinuousClock.now - started >= .seconds(1), "retry-after: 1 must be honoured")
            #expect(fake.requests.count == 2)

            fake.configure { $0.secondaryLimits = 10 }
            await #expect {
                try await client.get("/orgs/acme?fresh=1", credential: credential)
            } throws: { error in
                (error as? GitHubError)?.kind == .secondaryRateLimited
            }
        } cleanup: {
            try? await redis.close()
        }
    }

    @Test func serverErrorsAreRetriedAFewTimes() async throws {
        let (client, redis) = Self.client()
        let (fake, credential) = try await Self.fake()
        defer { fake.shutdown() }
        try await withCleanup { () async throws -> Void in
            fake.configure {
                $0.set("/orgs/acme", json: ["login": "acme"])
                $0.badGateways = 2
            }
            #expect(try await client.get("/orgs/acme", credential: credential).status == 200)
            fake.configure { $0.badGateways = 5 }
            await #expect {
                try await client.get("/orgs/acme?again=1", credential: credential)
            } throws: { error in
                (error as? GitHubError)?.kind == .unavailable && (error as? GitHubError)?.response?.status == 502
            }
        } cleanup: {
            try? await redis.close()
        }
    }

    @Test func errorsAreClassified() async throws {
        let (client, redis) = Self.client()
        let (fake, credential) = try await Self.fake()
        defer { fake.shutdown() }
        try await withCleanup { () async throws -> Void in
            fake.configure {
                $0.fail("/repos/acme/api/branches/main/protection", status: 404, message: "Branch not protected")
                $0.fail("/repos/acme/hidden", status: 404, message: "Not Found")
                $0.fail(
                    "/repos/acme/api/rules/branches/main",
                    status: 403,
                    message: "Upgrade to GitHub Pro or make this repository public to enable this feature."
                )
                $0.fail(
                    "/repos/acme/api/vulnerability-alerts",
                    status: 403,
                    message: "Resource not accessible by personal access token",
                    headers: ["x-accepted-github-permissions": "administration=read"]
                )
                $0.fail("/orgs/acme/members?filter=2fa_disabled", status: 422, message: "Only owners can use this filter.")
                $0.grants["sso-token"] = .init(login: "octocat", ssoRequiredFor: ["acme"])
            }
            func kind(_ path: String, _ credential: GitHubCredential) async -> GitHubError.Kind? {
                do {
                    _ = try await client.get(path, credential: credential)
                    return nil
                } catch {
                    return error.kind
                }
            }
            #expect(await kind("/repos/acme/api/branches/main/protection", credential) == .featureDisabled)
            #expect(await kind("/repos/acme/hidden", credential) == .notFound)
            #expect(await kind("/repos/acme/api/rules/branches/main", credential) == .planRestricted)
            #expect(await kind("/repos/acme/api/vulnerability-alerts", credential) == .forbidden)
            #expect(await kind("/orgs/acme/members?filter=2fa_disabled", credential) == .unprocessable)
            #expect(await kind("/orgs/acme", GitHubCredential(baseURL: fake.apiURL, token: "sso-token")) == .ssoRequired)
            #expect(await kind("/user", GitHubCredential(baseURL: fake.apiURL, token: "wrong")) == .unauthorized)

            do throws(GitHubError) {
                _ = try await client.get("/repos/acme/api/vulnerability-alerts", credential: credential)
            } catch {
                #expect(error.acceptedPermissions == "administration=read")
                #expect(error.response?.status == 403)
                #expect(!error.description.contains(credential.token))
            }
        } cleanup: {
            try? await redis.close()
        }
    }

    @Test func enterpriseServerBaseURLs() async throws {
        let (client, redis) = Self.client()
        let (fake, credential) = try await Self.fake(enterprise: true)
        defer { fake.shutdown() }
        try await withCleanup { () async throws -> Void in
            #expect(credential.baseURL.hasSuffix("/api/v3"))
            fake.configure { $0.set("/orgs/acme/repos", json: Self.repositories(120)) }
            let items = try await client.getAll("/orgs/acme/repos", credential: credential)
            #expect(items.count == 120)
            #expect(fake.requests.allSatisfy { $0.status == 200 })
            let user = try await client.get("/user", credential: credential)
            #expect((user.json() as? [String: Any])?["login"] as? String == "octocat")
        } cleanup: {
            try? await redis.close()
        }
    }
}
