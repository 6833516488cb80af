import Foundation
import Logging
import TestSupport
import Testing

@testable import Core

extension Security {
    /// Attacks through a tenant's GitHub host: redirects and `Link` headers aimed elsewhere, oversized
    /// and overflowing answers, and hosts whose addresses are private. Every target is on loopback (the
    /// test command runs the suite in a network namespace with only loopback, so even a guard that let
    /// 10.0.0.1 through would fail to connect instead of leaving the machine).
    @Suite("GitHub outbound guard")
    struct GitHubOutboundTests {
        static func client(_ settings: GitHubSettings = GitHubSettings(allowsLoopback: true)) -> (GitHubClient, RedisClient) {
            let redis = RedisClient(settings: TestEnvironment.redis, logger: Logger(label: "t"))
            return (GitHubClient(settings: settings, redis: redis, logger: Logger(label: "t")), redis)
        }

        static func failure(_ body: () async throws(GitHubError) -> some Any) async -> GitHubError? {
            do {
                _ = try await body()
                return nil
            } catch {
                return error
            }
        }

        @Test func redirectsToAnotherPortAreRefusedAndNotFollowed() async throws {
            let (client, redis) = Self.client()
            let (fake, credential) = try await GitHubClientTests.fake()
            let elsewhere = try await FakeGitHub()
            defer {
                fake.shutdown()
                elsewhere.shutdown()
            }
            try await withCleanup { () async throws -> Void in
                fake.configure {
                    $0.resources["/orgs/acme"] = .raw(status: 302, headers: ["Location": elsewhere.apiURL + "/orgs/acme"], body: "")
                    $0.resources["/orgs/moved"] = .raw(status: 301, headers: ["Location": "/orgs/acme-renamed"], body: "")
                    $0.set("/orgs/acme-renamed", json: ["login": "acme-renamed"])
                    $0.resources["/loop"] = .raw(status: 307, headers: ["Location": "/loop"], body: "")
                }
                let outside = await Self.failure { () async throws(GitHubError) in
                    try await client.get("/orgs/acme", credential: credential)
                }
                #expect(outside?.kind == .refused)
                #expect(outside?.message == "the GitHub host redirected outside its base URL")
                #expect(elsewhere.requests.isEmpty, "the other port never saw the request, nor the token")

                let moved = try await client.get("/orgs/moved", credential: credential)
                #expect((moved.json() as? [String: Any])?["login"] as? String == "acme-renamed", "same-origin redirects are followed")

                let loop = await Self.failure { () async throws(GitHubError) in try await client.get("/loop", credential: credential) }
                #expect(loop?.message == "the GitHub host redirected too many times")
                #expect(fake.requests.filter { $0.path == "/loop" }.count == 4, "the first request and three redirects")
            } cleanup: {
                try? await redis.close()
            }
        }

        @Test func nextPageLinksOutsideTheBaseURLStopTheListing() async throws {
            let (client, redis) = Self.client()
            let (fake, credential) = try await GitHubClientTests.fake(enterprise: true)
            let elsewhere = try await FakeGitHub()
            defer {
                fake.shutdown()
                elsewhere.shutdown()
            }
            try await withCleanup { () async throws -> Void in
                fake.configure {
                    $0.resources["/orgs/acme/repos"] = .raw(
                        status: 200,
                        headers: ["Link": "<\(elsewhere.apiURL)/orgs/acme/repos?page=2>; rel=\"next\""],
                        body: #"[{"id": 1, "full_name": "acme/one"}]"#
                    )
                    // Same origin, but outside GHES's /api/v3 prefix.
                    $0.resources["/orgs/other/repos"] = .raw(
                        status: 200,
                        headers: ["Link": "<\(fake.webURL)/admin/users?page=2>; rel=\"next\""],
                        body: #"[{"id": 1, "full_name": "other/one"}]"#
                    )
                }
                let foreign = await Self.failure { () async throws(GitHubError) in
                    try await client.getAll("/orgs/acme/repos", credential: credential)
                }
                #expect(foreign?.kind == .refused)
                #expect(foreign?.message == "GitHub's next-page link points outside the base URL")
                #expect(elsewhere.requests.isEmpty)

                let prefix = await Self.failure { () async throws(GitHubError) in
                    try await client.getAll("/orgs/other/repos", credential: credential)
                }
                #expect(prefix?.kind == .refused)
                #expect(!fake.requests.contains { $0.path.hasPrefix("/admin") })
            } cleanup: {
                try? await redis.close()
            }
        }

        @Test func oversizedAnswersAndEndlessListingsAreRefused() async throws {
            let (client, redis) = Self.client(GitHubSettings(allowsLoopback: true, maxResponseBytes: 64 << 10, maxPages: 3))
            let (fake, credential) = try await GitHubClientTests.fake()
            defer { fake.shutdown() }
            try await withCleanup { () async throws -> Void in
                let big =
                    "[" + Array(repeating: #"{"id": 1, "full_name": "acme/padding-padding-padding"}"#, count: 2_000).joined(separator: ",")
                    + "]"
                fake.configure {
                    $0.resources["/orgs/acme/big"] = .raw(status: 200, headers: [:], body: big)
                    $0.set("/orgs/acme/repos", json: (1...500).map { ["id": $0, "full_name": "acme/r\($0)"] })
                }
                let large = await Self.failure { () async throws(GitHubError) in
                    try await client.get("/orgs/acme/big", credential: credential)
                }
                #expect(large?.kind == .tooLarge)
                #expect(large?.message == "the answer of the GitHub host is larger than 65536 bytes")

                let endless = await Self.failure { () async throws(GitHubError) in
                    try await client.getAll("/orgs/acme/repos", credential: credential)
                }
                #expect(endless?.kind == .tooLarge)
                #expect(endless?.message == "the listing has more than 3 pages")
                #expect(fake.requests.filter { $0.path == "/orgs/acme/repos" }.count == 3)
            } cleanup: {
                try? await redis.close()
            }
        }

        @Test func overflowingRateLimitHeadersAreClampedNotTrapped() async throws {
            let (client, redis) = Self.client(GitHubSettings(rateLimitReserve: 0, allowsLoopback: true, maxWait: .seconds(2)))
            let (fake, credential) = try await GitHubClientTests.fake()
            defer { fake.shutdown() }
            try await withCleanup { () async throws -> Void in
                fake.configure {
                    $0.set("/orgs/acme", json: ["login": "acme"])
                    $0.headerOverrides = ["x-ratelimit-reset": "9223372036854775807", "x-ratelimit-remaining": "-1"]
                }
                #expect(try await client.get("/orgs/acme", credential: credential).status == 200)

                // A spent limit whose reset is absurdly far away: the caller comes back within maxWait.
                fake.configure {
                    $0.rateRemaining = 0
                    $0.headerOverrides = ["x-ratelimit-reset": "1e308"]
                }
                let spent = await Self.failure { () async throws(GitHubError) in
                    try await client.get("/orgs/acme?x=1", credential: credential)
                }
                #expect(spent?.kind == .rateLimited)
                let retryAt = try #require(spent?.retryAt)
                #expect(retryAt <= Date.now.addingTimeInterval(2.5))

                // A secondary limit with an overflowing retry-after waits maxWait, not forever (or a trap).
                let (other, otherCredential) = try await GitHubClientTests.fake()
                defer { other.shutdown() }
                other.configure {
                    $0.set("/orgs/acme", json: ["login": "acme"])
                    $0.secondaryLimits = 1
                    $0.headerOverrides = ["retry-after": "9223372036854775807"]
                }
                let started = ContinuousClock.now
                #expect(try await client.get("/orgs/acme", credential: otherCredential).status == 200)
                #expect(ContinuousClock.now - started < .seconds(10))
            } cleanup: {
                try? await redis.close()
            }
        }

        @Test(.enabled(if: TestEnvironment.isolatedNetwork, "aims at private addresses: only inside the test command's network namespace"))
        func privateAndLoopbackHostsAreRefusedBeforeConnecting() async throws {
            let (client, redis) = Self.client(GitHubSettings(allowsLoopback: false))
            let (fake, _) = try await GitHubClientTests.fake()
            defer { fake.shutdown() }
            try await withCleanup { () async throws -> Void in
                for base in [
                    "https://127.0.0.1:\(fake.port)", "https://127.1:\(fake.port)", "https://[::ffff:127.0.0.1]:\(fake.port)",
                    "https://localhost:\(fake.port)", "https://10.0.0.1", "https://169.254.169.254", "https://[::ffff:169.254.169.254]",
                    "https://private.auditmate.test", "https://metadata.auditmate.test", "https://loopback.auditmate.test:\(fake.port)",
                ] {
                    let credential = GitHubCredential(baseURL: base, token: "ghp_x")
                    let refused = await Self.failure { () async throws(GitHubError) in try await client.get("/user", credential: credential)
                    }
                    #expect(refused?.kind == .refused, "\(base)")
                    #expect(refused.map { !$0.message.contains("127.0.0.1") && !$0.message.contains(String(fake.port)) } == true)
                }
                #expect(fake.requests.isEmpty)

                // An operator-allowed Enterprise host may resolve to a private address: the guard lets the
                // connection be tried (here it fails: the namespace has no route to 10.0.0.1).
                let (allowing, redis2) = Self.client(GitHubSettings(allowsLoopback: false, enterpriseHosts: ["private.auditmate.test"]))
                try await withCleanup { () async throws -> Void in
                    let allowed = await Self.failure { () async throws(GitHubError) in
                        try await allowing.get(
                            "/user",
                            credential: GitHubCredential(baseURL: "https://private.auditmate.test/api/v3", token: "ghp_x")
                        )
                    }
                    #expect(allowed?.kind == .unavailable)
                    #expect(allowed?.message == "could not connect to the GitHub host")
                    let metadata = await Self.failure { () async throws(GitHubError) in
                        try await allowing.get(
                            "/user",
                            credential: GitHubCredential(baseURL: "https://metadata.auditmate.test", token: "ghp_x")
                        )
                    }
                    #expect(metadata?.kind == .refused)
                } cleanup: {
                    try? await redis2.close()
                }
            } cleanup: {
                try? await redis.close()
            }
        }

        @Test func connectionFailuresAreToldWithoutInternals() async throws {
            let (client, redis) = Self.client()
            let (fake, _) = try await GitHubClientTests.fake()
            defer { fake.shutdown() }
            try await withCleanup { () async throws -> Void in
                // https to a server that speaks plain http: the handshake fails.
                let tls = GitHubCredential(baseURL: "https://127.0.0.1:\(fake.port)", token: "ghp_x")
                let handshake = await Self.failure { () async throws(GitHubError) in try await client.get("/user", credential: tls) }
                #expect(handshake?.kind == .unavailable)
                #expect(handshake?.message == "TLS handshake with the GitHub host failed")

                let closed = GitHubCredential(baseURL: "http://127.0.0.1:\(try freeLoopbackPort())", token: "ghp_x")
                let refused = await Self.failure { () async throws(GitHubError) in try await client.get("/user", credential: closed) }
                #expect(refused?.message == "could not connect to the GitHub host")
            } cleanup: {
                try? await redis.close()
            }
        }

        @Test func theSharedCacheKeepsOnlySmallBodiesAndOnlyForADay() async throws {
            let (client, redis) = Self.client()
            let (fake, credential) = try await GitHubClientTests.fake()
            defer { fake.shutdown() }
            try await withCleanup { () async throws -> Void in
                let large =
                    #"{"padding": ["# + Array(repeating: #""padding-padding-padding-padding""#, count: 10_000).joined(separator: ",") + "]}"
                fake.configure {
                    $0.resources["/orgs/acme/large"] = .json(large)
                    $0.set("/orgs/acme", json: ["login": "acme"])
                }
                _ = try await client.get("/orgs/acme/large", credential: credential)
                _ = try await client.get("/orgs/acme/large", credential: credential)
                #expect(
                    fake.requests.filter { $0.path == "/orgs/acme/large" }.allSatisfy { $0.headers["if-none-match"] == nil },
                    "not cached"
                )

                _ = try await client.get("/orgs/acme", credential: credential)
                let second = try await client.get("/orgs/acme", credential: credential)
                #expect(second.revalidated)
                let key = GitHubResponseCache(redis: redis, logger: Logger(label: "t")).key(fake.apiURL + "/orgs/acme", credential)
                let ttl = try #require(try await redis.send("TTL", key).int)
                #expect((1...86_400).contains(ttl))
            } cleanup: {
                try? await redis.close()
            }
        }

        @Test func aSpentRateLimitStopsCallsAtOnce() async throws {
            let (client, redis) = Self.client(GitHubSettings(concurrencyPerCredential: 4, rateLimitReserve: 0, allowsLoopback: true))
            let (fake, credential) = try await GitHubClientTests.fake()
            defer { fake.shutdown() }
            try await withCleanup { () async throws -> Void in
                fake.configure {
                    $0.rateRemaining = 3
                    $0.latency = .milliseconds(50)
                    for index in 0..<60 { $0.set("/repos/acme/r\(index)", json: ["id": index]) }
                }
                await withTaskGroup(of: Void.self) { group in
                    for index in 0..<60 {
                        group.addTask { _ = try? await client.get("/repos/acme/r\(index)", credential: credential) }
                    }
                }
                let refused = fake.requests.filter { $0.status == 403 }.count
                #expect(fake.requests.count <= 3 + 4 + 1, "only calls already in flight may follow the first 403")
                #expect(refused >= 1)
            } cleanup: {
                try? await redis.close()
            }
        }
    }
}
