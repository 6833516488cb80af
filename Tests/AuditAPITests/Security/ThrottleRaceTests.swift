import Core
import Foundation
import HTTPTypes
import TestSupport
import Testing

@testable import AuditAPI

extension Security {
    /// Throttles reserve their budget before a password is checked, count IPv6 by /64, and keep
    /// holding while Redis is away.
    @Suite("throttle races")
    struct ThrottleRaceTests {
        static func login(_ api: APIClient, _ email: String, _ password: String, from address: String? = nil) async throws
            -> HTTPResponse.Status
        {
            var headers: HTTPFields = [:]
            if let address { headers[.xForwardedFor] = address }
            return try await api.request(.post, "/api/v1/auth/token/", json: ["email": email, "password": password], headers: headers)
                .status
        }

        @Test func thirtyParallelWrongPasswordsEvaluateAtMostFive() async throws {
            try await withIdentityAPI(extra: ["THROTTLE_WINDOW_SECONDS": "120"]) { api, _ in
                let account = try await api.register()
                let port = try #require(api.client.port)
                let email = account.email
                let statuses = try await ParallelRequests.send(
                    30,
                    port: port,
                    .post,
                    "/api/v1/auth/token/",
                    json: { index in ["email": email, "password": "wrong password \(index)"] },
                    forwardedFor: api.address
                ).map(\.status)
                #expect(statuses.filter { $0 == 401 }.count <= 5, "\(statuses)")
                #expect(statuses.filter { $0 == 429 }.count >= 25, "\(statuses)")
                #expect(try await Self.login(api, account.email, account.password) == .tooManyRequests)
            }
        }

        @Test func ipv6ClientsAreCountedPerSlash64() async throws {
            try await withIdentityAPI(extra: ["THROTTLE_WINDOW_SECONDS": "120"]) { api, _ in
                let account = try await api.register()
                for host in 1...5 {
                    #expect(try await Self.login(api, account.email, "wrong", from: "2001:db8:1:2::\(host)") == .unauthorized)
                }
                // Another address of the same /64: the same budget.
                #expect(try await Self.login(api, account.email, account.password, from: "2001:db8:1:2:ffff::9") == .tooManyRequests)
                // Another /64: its own.
                #expect(try await Self.login(api, account.email, account.password, from: "2001:db8:1:3::1") == .ok)
            }
        }

        @Test func withRedisAwayEachProcessKeepsTheSameLimits() async throws {
            try await withRedisServer { redis in
                try await withIdentityAPI(extra: ["REDIS_URL": redis.url, "THROTTLE_WINDOW_SECONDS": "120"]) { api, _ in
                    let account = try await api.register()
                    try await redis.stop()
                    var statuses: [HTTPResponse.Status] = []
                    for _ in 0..<6 { statuses.append(try await Self.login(api, account.email, "wrong password")) }
                    #expect(statuses.prefix(5).allSatisfy { $0 == .unauthorized }, "\(statuses)")
                    #expect(statuses.last == .tooManyRequests)
                    #expect(try await Self.login(api, account.email, account.password) == .tooManyRequests)
                }
            }
        }
    }
}
