import Core
import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import TestSupport
import Testing

@testable import AuditAPI

/// Each API process keeps its answers for the audit list and one audit. A write made through any
/// replica must show on every replica's very next request; a write made by SQL within moments.
@Suite("Response cache", .serialized)
struct ResponseCacheTests {
    func withTwoReplicas(_ body: @Sendable (APIClient, APIClient, AppConfig, Account) async throws -> Void) async throws {
        try await TestDatabase.withMigrated { database in
            let extra = ["TRUSTED_PROXIES": "127.0.0.1/8,::1"]
            try await withAPI(extra: extra, database: database) { first, config in
                try await withAPI(extra: extra, database: database) { second, _ in
                    let (a, b) = (APIClient(first), APIClient(second))
                    let admin = try await a.register()
                    _ = try await IdentityFixtures.integration(
                        in: try #require(UUID(uuidString: admin.organizationID)),
                        token: "ghp_unused",
                        baseURL: "https://api.github.com",
                        fernetKeys: config.secrets.fernetKeys,
                        database: database
                    )
                    try await body(a, b, config, admin)
                }
            }
        }
    }

    func count(_ api: APIClient, _ admin: Account) async throws -> Int? {
        try await api.request(.get, "/api/v1/audits/", token: admin.access).json()["count"] as? Int
    }

    func status(_ api: APIClient, _ admin: Account, _ id: String) async throws -> String? {
        try await api.request(.get, "/api/v1/audits/\(id)/", token: admin.access).json()["status"] as? String
    }

    @Test func writesOnOneReplicaShowOnTheOthersNextRequest() async throws {
        try await withTwoReplicas { a, b, _, admin in
            #expect(try await count(b, admin) == 0)
            #expect(try await count(b, admin) == 0, "answered from the cache")
            let started = try await a.request(.post, "/api/v1/audits/start/", json: [:], token: admin.access)
            #expect(started.status == .accepted)
            let id = try #require(try started.json()["id"] as? String)
            #expect(try await count(b, admin) == 1)

            #expect(try await status(b, admin, id) == "PENDING")
            #expect(try await status(b, admin, id) == "PENDING")
            #expect(try await a.request(.post, "/api/v1/audits/\(id)/cancel/", token: admin.access).status == .ok)
            #expect(try await status(b, admin, id) == "CANCELED")
            #expect(try await status(a, admin, id) == "CANCELED")
        }
    }

    @Test func writesBySQLReachTheCachesToo() async throws {
        try await withTwoReplicas { a, b, config, admin in
            let started = try await a.request(.post, "/api/v1/audits/start/", json: [:], token: admin.access)
            let id = try #require(try started.json()["id"] as? String)
            for api in [a, b] { #expect(try await status(api, admin, id) == "PENDING") }
            try await TestDatabase.withConnection(config.database) { connection in
                try await connection.query(
                    "UPDATE audits SET status = 'ERROR', error = 'set by hand' WHERE id = \(UUID(uuidString: id)!)",
                    logger: Logger(label: "tests.response-cache")
                )
            }
            for api in [a, b] {
                try await eventually("the notification empties every replica's cache") {
                    try await status(api, admin, id) == "ERROR"
                }
            }
        }
    }

    @Test func theCacheRemembersOnlyWhileListeningAndUnderItsVersion() {
        let cache = ResponseCache()
        cache.store("k", [1], version: "v", era: cache.era)
        #expect(cache.bytes("k", version: "v") == nil, "closed")
        cache.open()
        let era = cache.era
        cache.clear()
        cache.store("k", [1], version: "v", era: era)
        #expect(cache.bytes("k", version: "v") == nil, "emptied while the answer was built")
        cache.store("k", [1], version: "v", era: cache.era)
        #expect(cache.bytes("k", version: "v") == [1])
        #expect(cache.bytes("k", version: "w") == nil)
        #expect(cache.bytes("k", version: nil) == nil)
        cache.close()
        #expect(cache.bytes("k", version: "v") == nil)
    }
}
