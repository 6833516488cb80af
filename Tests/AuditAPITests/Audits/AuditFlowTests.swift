import Foundation
import HTTPTypes
import Logging
import PostgresNIO
import TestSupport
import Testing

@testable import AuditAPI
@testable import Core

@Suite("Audits end to end")
struct AuditFlowTests {
    static var organizationChecks: Int { CheckCatalogue.all.filter { $0.definition.scope == .organization }.count }
    static var repositoryChecks: Int { CheckCatalogue.all.filter { $0.definition.scope == .repository }.count }

    @Test func wholeOrganizationScanThroughTheQueueAndAWorkerProcess() async throws {
        try await AuditTestBed.run(repositories: 3) { bed in
            let started = try await bed.start()
            #expect(started.status == .accepted)
            let audit = try started.json()
            let id = try #require(audit["id"] as? String)
            #expect(audit["status"] as? String == "PENDING")
            #expect(started.headers[.location] == "/api/v1/audits/\(id)/")
            #expect(audit["trigger"] as? String == "manual")
            #expect(audit["repository"] is NSNull)
            #expect(audit["requested_by"] as? String == bed.admin.userID)

            // The event stream delivers progress and a final status, then closes.
            let stream = try await bed.api.request(.get, "/api/v1/audits/\(id)/events/", token: bed.admin.access)
            #expect(stream.status == .ok)
            #expect(stream.headers[.contentType]?.hasPrefix("text/event-stream") == true)
            #expect(stream.text.contains("event: progress"))
            #expect(stream.text.contains("event: status"))

            let finished = try await bed.finished(id)
            #expect(finished["status"] as? String == "FAIL", "org_2fa_required (HIGH) fails: \(finished)")
            let expected = Self.organizationChecks + 3 * Self.repositoryChecks  // the archived repository is left out
            let progress = try #require(finished["progress"] as? [String: Int])
            #expect(progress["total"] == expected)
            #expect(progress["done"] == expected)
            let summary = try #require(finished["summary"] as? [String: Int])
            #expect(summary.values.reduce(0, +) == expected)
            #expect((summary["failed"] ?? 0) >= 1)
            #expect((finished["evidence_digest"] as? String)?.count == 64)
            #expect(finished["started_at"] is String)
            #expect(finished["finished_at"] is String)

            let evidence = try await bed.evidence(id)
            #expect(evidence.count == expected)
            #expect(!evidence.contains { ($0["resource"] as? String) == "acme/repo-4" }, "the archived repository is left out")
            let twoFactor = try #require(evidence.first { $0["check"] as? String == "org_2fa_required" })
            #expect(twoFactor["status"] as? String == "FAIL")
            #expect(twoFactor["resource"] as? String == "acme")
            #expect(twoFactor["severity"] as? String == "HIGH")
            #expect((twoFactor["controls"] as? [String: [String]])?["soc2"] == ["CC6.1"])
            #expect((twoFactor["sentence"] as? String)?.contains("two_factor_requirement_enabled is false") == true)
            let responses = try #require(twoFactor["responses"] as? [[String: Any]])
            #expect(responses.first?["url"] as? String == bed.github.apiURL + "/orgs/acme")
            #expect(responses.first?["status"] as? Int == 200)
            #expect((responses.first?["body"] as? String)?.contains("\"two_factor_requirement_enabled\":false") == true)
            #expect((responses.first?["headers"] as? [String: String])?["etag"] != nil)

            let filtered = try await bed.evidence(id, query: "status=FAIL&severity=HIGH")
            #expect(filtered.allSatisfy { $0["status"] as? String == "FAIL" && $0["severity"] as? String == "HIGH" })
            #expect(filtered.contains { $0["check"] as? String == "org_2fa_required" })

            let verified = try await bed.api.request(.get, "/api/v1/audits/\(id)/verify/", token: bed.admin.access).json()
            #expect(verified["valid"] as? Bool == true, "\(verified)")
            #expect(verified["evidence_checked"] as? Int == expected)
            #expect(verified["digest_valid"] as? Bool == true)

            // Altering any stored field is detected.
            try await TestDatabase.withConnection(bed.config.database) { connection in
                try await connection.query(
                    "UPDATE evidence SET status = 'PASS' WHERE check_id = 'org_2fa_required' AND audit_id = \(UUID(uuidString: id)!)",
                    logger: Logger(label: "t")
                )
            }
            let tampered = try await bed.api.request(.get, "/api/v1/audits/\(id)/verify/", token: bed.admin.access).json()
            #expect(tampered["valid"] as? Bool == false)
            let mismatches = try #require(tampered["mismatches"] as? [[String: Any]])
            #expect(mismatches.count == 1)
            #expect(mismatches.first?["check"] as? String == "org_2fa_required")
            #expect(mismatches.first?["id"] as? Int == twoFactor["id"] as? Int)
        }
    }

    @Test func aRescanIsAnsweredFromETagsAndDiffsAgainstThePreviousAudit() async throws {
        try await AuditTestBed.run(repositories: 2) { bed in
            let first = try #require(try await bed.start().json()["id"] as? String)
            _ = try await bed.finished(first)
            let callsBefore = bed.github.requests.count

            let second = try #require(try await bed.start().json()["id"] as? String)
            _ = try await bed.finished(second)
            let rescan = bed.github.requests.dropFirst(callsBefore)
            let notModified = rescan.filter { $0.status == 304 }.count
            #expect(!rescan.isEmpty)
            #expect(Double(notModified) / Double(rescan.count) >= 0.9, "\(notModified) of \(rescan.count) answered 304")

            let unchanged = try await bed.api.request(.get, "/api/v1/audits/\(second)/diff/", token: bed.admin.access).json()
            #expect(unchanged["against"] as? String == first)
            #expect((unchanged["newly_failing"] as? [Any])?.isEmpty == true)
            #expect((unchanged["fixed"] as? [Any])?.isEmpty == true)
            #expect((unchanged["still_failing"] as? [[String: Any]])?.contains { $0["check"] as? String == "org_2fa_required" } == true)

            bed.github.configure { $0.set("/orgs/acme", json: ["login": "acme", "two_factor_requirement_enabled": true]) }
            let third = try #require(try await bed.start().json()["id"] as? String)
            _ = try await bed.finished(third)
            let changed = try await bed.api.request(.get, "/api/v1/audits/\(third)/diff/?against=\(first)", token: bed.admin.access).json()
            #expect(
                (changed["fixed"] as? [[String: Any]])?.contains {
                    $0["check"] as? String == "org_2fa_required" && $0["resource"] as? String == "acme"
                } == true
            )
            #expect((changed["still_failing"] as? [[String: Any]])?.contains { $0["check"] as? String == "org_2fa_required" } == false)

            let listed = try await bed.api.request(.get, "/api/v1/audits/", token: bed.admin.access).json()
            #expect(listed["count"] as? Int == 3)
            #expect((listed["results"] as? [[String: Any]])?.first?["id"] as? String == third, "newest first")
        }
    }

    @Test func startValidationCancelAndStates() async throws {
        try await AuditTestBed.run(worker: false) { bed in
            let bad = try await bed.start(["repository": "not a repo", "checks": ["no_such_check"]])
            #expect(bad.status == .badRequest)
            let errors = try bad.json()
            #expect(errors["repository"] as? [String] == ["Enter a repository as owner/name."])
            #expect(errors["checks"] as? [String] == ["Unknown check \"no_such_check\"."])
            let unknownIntegration = try await bed.start(["integration": UUID().uuidString])
            #expect(unknownIntegration.status == .badRequest)
            #expect(try unknownIntegration.json()["integration"] as? [String] == ["Unknown integration."])

            // Without a worker the audit stays PENDING: cancel it.
            let pending = try #require(
                try await bed.start(["repository": "acme/repo-1", "checks": ["org_2fa_required"]]).json()["id"] as? String
            )
            let canceled = try await bed.api.request(.post, "/api/v1/audits/\(pending)/cancel/", token: bed.admin.access)
            #expect(canceled.status == .ok)
            #expect(try canceled.json()["status"] as? String == "CANCELED")
            let again = try await bed.api.request(.post, "/api/v1/audits/\(pending)/cancel/", token: bed.admin.access)
            #expect(again.status == .conflict)
            #expect(try again.json()["detail"] as? String == "The audit has already finished.")

            let filtered = try await bed.api.request(
                .get,
                "/api/v1/audits/?status=CANCELED&repository=acme/repo-1",
                token: bed.admin.access
            ).json()
            #expect(filtered["count"] as? Int == 1)
            let none = try await bed.api.request(.get, "/api/v1/audits/?status=PASS", token: bed.admin.access).json()
            #expect(none["count"] as? Int == 0)

            let missing = try await bed.api.request(.get, "/api/v1/audits/\(UUID().uuidString)/", token: bed.admin.access)
            #expect(missing.status == .notFound)
        }
    }

    @Test func anAcceptedAuditSurvivesRedisBeingDown() async throws {
        try await withRedisServer { redis in
            try await AuditTestBed.run(worker: false) { bed in
                // The bed's API uses the shared Redis; point a second API at a Redis that goes away.
                try await redis.stop()
                try await withAPI(extra: ["REDIS_URL": redis.url, "QUEUE_KEY_PREFIX": bed.queue.prefix], database: bed.config.database) {
                    client,
                    _ in
                    let api = APIClient(client)
                    let started = try await api.request(.post, "/api/v1/audits/start/", json: [:], token: bed.admin.access)
                    #expect(started.status == .accepted)
                    let id = try #require(try started.json()["id"] as? String)
                    let row = try await TestDatabase.withConnection(bed.config.database) { connection in
                        let rows = try await connection.query(
                            "SELECT status, scan_task_id FROM audits WHERE id = \(UUID(uuidString: id)!)",
                            logger: Logger(label: "t")
                        )
                        var result: (String, String?) = ("", nil)
                        for try await value in rows.decode((String, String?).self) { result = value }
                        return result
                    }
                    #expect(row.0 == "PENDING")
                    // The start stored the id its message was to have; no such message is live, so
                    // the reconciler will publish one.
                    let taskID = try #require(row.1)
                    #expect(try await bed.queue.broker.liveTaskIDs(among: [taskID]).isEmpty, "not published")

                    // The reconciler (beat's job) publishes it once Redis is reachable.
                    let published = try await Infrastructure.withRunning(
                        config: bed.config,
                        applicationName: "tests",
                        logger: Logger(label: "t")
                    ) {
                        infrastructure in
                        try await AuditService(postgres: infrastructure.postgres, broker: bed.queue.broker, logger: Logger(label: "t"))
                            .reconcile(grace: .zero)
                    }
                    #expect(published == 1)
                    let queued = try await bed.queue.redis.send("LLEN", bed.queue.prefix + "scans").int
                    #expect(queued == 1)
                    let enqueued = try await TestDatabase.withConnection(bed.config.database) { connection in
                        let rows = try await connection.query(
                            "SELECT enqueued_at IS NOT NULL FROM audits WHERE id = \(UUID(uuidString: id)!)",
                            logger: Logger(label: "t")
                        )
                        var value = false
                        for try await flag in rows.decode(Bool.self) { value = flag }
                        return value
                    }
                    #expect(enqueued)
                }
            }
        }
    }
}
