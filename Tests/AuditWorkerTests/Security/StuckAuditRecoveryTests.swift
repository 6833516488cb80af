import Core
import Foundation
import Logging
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension Security {
    /// Work whose worker died and whose message went too (Redis flushed, or the `unacked` entry
    /// deleted) must not stay RUNNING forever: the scan or rendering heartbeats its row, and the
    /// reconciler starts it again once the heartbeat is three visibility timeouts old.
    @Suite("Stuck work recovery")
    struct StuckAuditRecoveryTests {
        /// The reconcilers as beat's jobs run them, on the bed's queue keys.
        static func withServices(
            _ bed: StalledScanBed,
            _ body: (AuditService, ReportService) async throws -> Void
        ) async throws {
            let config = try TestEnvironment.config(database: bed.database, extra: ["QUEUE_KEY_PREFIX": bed.kit.prefix])
            try await Infrastructure.withRunning(config: config, applicationName: "tests", logger: bed.logger) { infrastructure in
                try await body(
                    AuditService(postgres: infrastructure.postgres, broker: bed.kit.broker, logger: bed.logger),
                    ReportService(postgres: infrastructure.postgres, broker: bed.kit.broker, logger: bed.logger)
                )
            }
        }

        @Test func aRunningAuditWhoseWorkerAndMessageAreGoneIsPublishedAgain() async throws {
            try await StalledScanBed.run { bed in
                let kit = bed.kit
                try await Self.withServices(bed) { audits, _ in
                    let first = try await kit.producer.enqueue(ScanAuditTask(auditID: bed.audit))
                    let worker = try await bed.startWorkerRunningTheScan()
                    // The scan heartbeats while it waits for GitHub: every half second here.
                    let claimed = try #require(try await bed.auditRow().heartbeatAt)
                    #expect(try await bed.auditRow().status == "RUNNING")
                    try await eventually(timeout: .seconds(10), "the scan never refreshed its heartbeat") {
                        try await bed.auditRow().heartbeatAt ?? claimed > claimed
                    }
                    #expect(try await audits.reconcile() == 0, "a scan that heart-beats is left alone")

                    // The worker dies, and its message with it: the unacked entry is deleted.
                    worker.signal(SIGKILL)
                    #expect(try await worker.waitForExit(timeout: .seconds(10)) == 128 + SIGKILL)
                    try await kit.redis.send("DEL", kit.broker.keys.unacked, kit.broker.keys.unackedIndex)
                    let died = Date()
                    #expect(try await kit.queuedMessages(task: "audits.scan", queue: "scans").isEmpty)
                    #expect(try await audits.reconcile() == 0, "within three visibility timeouts of the last heartbeat")

                    try await eventually(timeout: .seconds(30), "the stuck audit was not published again") {
                        try await audits.reconcile() == 1
                    }
                    #expect(Date().timeIntervalSince(died) >= Double(StalledScanBed.visibilityTimeout * 3) - 1)
                    let row = try await bed.auditRow()
                    #expect(row.status == "PENDING")
                    #expect(row.pendingReason == "The worker running this scan stopped; the scan starts again.")
                    let queued = try await kit.queuedMessages(task: "audits.scan", queue: "scans")
                    #expect(queued.count == 1)
                    let message = try #require(queued.first)
                    #expect(message.id != first)
                    #expect(row.scanTaskID == message.id, "the audit records its new scan message")
                    #expect(try message.body().args == [.string(bed.audit.uuidString.lowercased())])
                    #expect(try await audits.reconcile() == 0, "published once")

                    // A worker picks it up again.
                    let next = try await bed.startWorkerRunningTheScan()
                    #expect(try await bed.auditRow().status == "RUNNING")
                    await next.terminate()
                }
            }
        }

        @Test func onlyRunningAuditsWithAStaleHeartbeatAreRestarted() async throws {
            try await StalledScanBed.run { bed in
                let now = Date()
                let fresh = try await IdentityFixtures.audit(in: bed.organization, status: "RUNNING", database: bed.database)
                let unknown = try await IdentityFixtures.audit(in: bed.organization, status: "RUNNING", database: bed.database)
                try await bed.sql(
                    "UPDATE audits SET status = 'RUNNING', heartbeat_at = \(now.addingTimeInterval(-7)), started_at = \(now) WHERE id = \(bed.audit)"
                )
                try await bed.sql("UPDATE audits SET heartbeat_at = \(now.addingTimeInterval(-5)) WHERE id = \(fresh)")
                // Never heart-beat (started before the upgrade): its start time counts.
                try await bed.sql(
                    "UPDATE audits SET heartbeat_at = NULL, started_at = \(now.addingTimeInterval(-60)) WHERE id = \(unknown)"
                )
                try await Self.withServices(bed) { audits, _ in
                    #expect(try await audits.reconcile(now: now) == 2, "6 s without a heartbeat is three visibility timeouts")
                    let statuses = try await TestDatabase.withConnection(bed.database) { connection in
                        var statuses: [UUID: String] = [:]
                        for try await (id, status) in try await connection.query("SELECT id, status FROM audits", logger: bed.logger)
                            .decode(
                                (UUID, String).self
                            )
                        {
                            statuses[id] = status
                        }
                        return statuses
                    }
                    #expect(statuses == [bed.audit: "PENDING", unknown: "PENDING", fresh: "RUNNING"])
                    let published = try await bed.kit.queuedMessages(task: "audits.scan", queue: "scans")
                        .map { try ScanAuditTask(body: $0.body()).auditID }
                    #expect(Set(published) == [bed.audit, unknown])
                }
            }
        }

        @Test func aRunningReportWhoseWorkerDiedIsRenderedAgain() async throws {
            try await StalledScanBed.run { bed in
                let now = Date()
                let stuck = try await IdentityFixtures.report(in: bed.organization, status: "RUNNING", database: bed.database)
                let alive = try await IdentityFixtures.report(in: bed.organization, status: "RUNNING", database: bed.database)
                try await bed.sql(
                    "UPDATE reports SET heartbeat_at = \(now.addingTimeInterval(-7)), enqueued_at = \(now) WHERE id = \(stuck)"
                )
                try await bed.sql(
                    "UPDATE reports SET heartbeat_at = \(now.addingTimeInterval(-1)), enqueued_at = \(now) WHERE id = \(alive)"
                )
                try await Self.withServices(bed) { _, reports in
                    #expect(try await reports.reconcile(now: now) == 1)
                    let messages = try await bed.kit.queuedMessages(task: "reports.generate", queue: "reports")
                    #expect(try messages.map { try $0.body().args } == [[.string(stuck.uuidString.lowercased())]])
                    let statuses = try await TestDatabase.withConnection(bed.database) { connection in
                        var statuses: [UUID: String] = [:]
                        for try await (id, status) in try await connection.query("SELECT id, status FROM reports", logger: bed.logger)
                            .decode(
                                (UUID, String).self
                            )
                        {
                            statuses[id] = status
                        }
                        return statuses
                    }
                    #expect(statuses == [stuck: "PENDING", alive: "RUNNING"])
                    #expect(try await reports.reconcile(now: now) == 0, "published once")
                }
            }
        }
    }
}
