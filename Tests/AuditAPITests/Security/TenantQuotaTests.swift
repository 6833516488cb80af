import AsyncHTTPClient
import Core
import Foundation
import HTTPTypes
import Logging
import NIOCore
import PostgresNIO
import TestSupport
import Testing

@testable import AuditAPI

extension Security {
    /// What one tenant may make the system do at once: active audits, report renderings, open streams.
    @Suite("tenant quotas")
    struct TenantQuotaTests {
        @Test func theSixthActiveAuditIsTooManyAndCountsStayExact() async throws {
            try await AuditTestBed.run(worker: false) { bed in
                // Started in parallel: the lock on the organization's count makes them count one at a time.
                let statuses = try await ParallelRequests.send(
                    8,
                    port: try #require(bed.api.client.port),
                    .post,
                    "/api/v1/audits/start/",
                    json: { _ in [:] },
                    token: bed.admin.access,
                    forwardedFor: bed.api.address
                ).map(\.status)
                #expect(statuses.filter { $0 == 202 }.count == 5, "\(statuses)")
                #expect(statuses.filter { $0 == 429 }.count == 3, "\(statuses)")

                let refused = try await bed.start()
                #expect(refused.status == .tooManyRequests)
                #expect(refused.headers[.retryAfter].flatMap { Int($0) }.map { $0 > 0 } == true)
                #expect((try refused.json()["detail"] as? String)?.contains("5 audits") == true)
                let listed = try await bed.api.request(.get, "/api/v1/audits/", token: bed.admin.access)
                #expect(try listed.json()["count"] as? Int == 5, "nothing was stored for the refused starts")

                // Once one finishes (canceled here), the next start is accepted.
                let first = try #require((try listed.json()["results"] as? [[String: Any]])?.first?["id"] as? String)
                _ = try await bed.api.request(.post, "/api/v1/audits/\(first)/cancel/", token: bed.admin.access)
                #expect(try await bed.start().status == .accepted)
            }
        }

        /// A start locks its organization's row of `active_audit_counts` for one statement. Many
        /// racing starts still stop at the quota; a row deleted by hand is recounted, not reset.
        @Test func racingStartsStopAtTheQuotaAndALostCountIsRecounted() async throws {
            try await AuditTestBed.run(worker: false) { bed in
                let organization = try #require(UUID(uuidString: bed.admin.organizationID))
                let logger = Logger(label: "tests.quota")
                func kept() async throws -> [Int] {
                    try await TestDatabase.withConnection(bed.config.database) { connection in
                        let rows = try await connection.query(
                            "SELECT active FROM active_audit_counts WHERE organization_id = \(organization)",
                            logger: logger
                        )
                        var counts: [Int] = []
                        for try await count in rows.decode(Int.self) { counts.append(count) }
                        return counts
                    }
                }
                #expect(try await kept() == [0], "a new organization has its row from the start")

                let statuses = try await ParallelRequests.send(
                    24,
                    port: try #require(bed.api.client.port),
                    .post,
                    "/api/v1/audits/start/",
                    json: { _ in [:] },
                    token: bed.admin.access,
                    forwardedFor: bed.api.address
                ).map(\.status)
                #expect(statuses.filter { $0 == 202 }.count == 5, "\(statuses)")
                #expect(statuses.filter { $0 == 429 }.count == 19, "\(statuses)")
                #expect(try await kept() == [5])

                try await TestDatabase.withConnection(bed.config.database) { connection in
                    try await connection.query("DELETE FROM active_audit_counts WHERE organization_id = \(organization)", logger: logger)
                }
                let refused = try await bed.start()
                #expect(refused.status == .tooManyRequests, "\(refused.text)")
                #expect((try refused.json()["detail"] as? String)?.contains("5 audits") == true)
                #expect(try await kept() == [5], "recounted from the audits themselves")
            }
        }

        @Test func askingAgainForAReportReturnsTheOneInProgress() async throws {
            try await withIdentityAPI { api, config in
                let admin = try await api.register()
                let organization = try #require(UUID(uuidString: admin.organizationID))
                let audit = try await IdentityFixtures.audit(in: organization, status: "PASS", database: config.database)
                let path = "/api/v1/audits/\(audit.uuidString.lowercased())/reports/"
                let first = try await api.request(.post, path, token: admin.access)
                #expect(first.status == .accepted)
                let id = try #require(try first.json()["id"] as? String)
                let again = try await ParallelRequests.send(
                    5,
                    port: try #require(api.client.port),
                    .post,
                    path,
                    json: { _ in [:] },
                    token: admin.access,
                    forwardedFor: api.address
                )
                #expect(again.allSatisfy { $0.status == 200 && $0.body.contains(id) }, "\(again)")
                let listed = try await api.request(.get, path, token: admin.access)
                #expect(try listed.json()["count"] as? Int == 1)
            }
        }

        /// An open event stream: the response head has arrived, the body is still coming. (The live
        /// test server listens on `localhost`.)
        static func openStream(_ http: HTTPClient, port: Int, audit: String, token: String) async throws -> HTTPClientResponse {
            var request = HTTPClientRequest(url: "http://localhost:\(port)/api/v1/audits/\(audit)/events/")
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
            request.headers.add(name: "Host", value: "localhost")
            return try await http.execute(request, timeout: .seconds(120))
        }

        @Test func theEleventhStreamIsRefusedAndARevokedLoginEndsItsStreams() async throws {
            try await withAPI(extra: ["TRUSTED_PROXIES": "127.0.0.1/8,::1"]) { client, config in
                let api = APIClient(client)
                let port = try #require(client.port)
                let admin = try await api.register()
                let organization = try #require(UUID(uuidString: admin.organizationID))
                let audit = try await IdentityFixtures.audit(in: organization, status: "RUNNING", database: config.database)
                let id = audit.uuidString.lowercased()

                // More connections per host than AsyncHTTPClient's default 8, one per stream.
                var configuration = HTTPClient.Configuration()
                configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 16)
                let http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
                try await withCleanup {
                    var open: [HTTPClientResponse] = []
                    for _ in 0..<10 {
                        let response = try await Self.openStream(http, port: port, audit: id, token: admin.access)
                        #expect(response.status.code == 200)
                        open.append(response)
                    }
                    let eleventh = try await Self.openStream(http, port: port, audit: id, token: admin.access)
                    #expect(eleventh.status.code == 429)
                    #expect(eleventh.headers.first(name: "retry-after") != nil)

                    // Logging out revokes the login: the open streams end within the re-authorization period.
                    let logout = try await api.request(.post, "/api/v1/auth/logout/", json: ["refresh": admin.refresh], token: admin.access)
                    #expect(logout.status.code < 300, "\(logout.text)")
                    var text = ""
                    let deadline = ContinuousClock.now + .seconds(40)
                    for try await chunk in open[0].body {
                        text += String(buffer: chunk)
                        if ContinuousClock.now > deadline { break }
                    }
                    #expect(text.contains("event: error"), "\(text)")
                    #expect(ContinuousClock.now < deadline, "the stream ended by itself")
                } cleanup: {
                    try? await http.shutdown()
                }
            }
        }
    }
}
