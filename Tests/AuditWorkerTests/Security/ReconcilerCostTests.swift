import Core
import Foundation
import Logging
import TestSupport
import Testing

extension Security {
    /// Whoever can fill the queues (any tenant starting audits) must not be able to make the
    /// once-a-minute reconciler read them all: it looks its candidates up by task id.
    @Suite("Reconciler cost")
    struct ReconcilerCostTests {
        @Test func theReconcilerLooksScansUpByIDWithoutReadingTheQueues() async throws {
            // A Redis of the test's own: its command statistics count this test's commands only.
            try await withRedisServer { server in
                try await TestDatabase.withMigrated { database in
                    try await withQueueTestKit(database: database, redisURL: server.url) { kit in
                        var logger = Logger(label: "tests.reconciler")
                        logger.logLevel = .critical

                        // 10,000 waiting scans of other audits, some of them being run and some delayed.
                        for _ in 0..<10 {
                            try await kit.broker.publish(
                                try (0..<1_000).map { _ in try kit.producer.envelope(ScanAuditTask(auditID: UUID())) }
                            )
                        }
                        let running = try await kit.broker.fetch(queues: ["scans"], count: 100, leaseBase: "busy/1")
                        for delivery in running.prefix(50) {
                            #expect(
                                try await kit.broker.delay(
                                    delivery,
                                    envelope: try TaskEnvelope(parsing: delivery.raw),
                                    until: Date().addingTimeInterval(3_600)
                                )
                            )
                        }
                        #expect(try await kit.broker.pendingCounts() == (50, 50) as (Int, Int))

                        // Three PENDING audits past the grace: one whose scan waits, one never published, one whose
                        // message was lost.
                        let organization = try await IdentityFixtures.organization(database: database)
                        let waiting = try await IdentityFixtures.audit(in: organization, status: "PENDING", database: database)
                        let unpublished = try await IdentityFixtures.audit(in: organization, status: "PENDING", database: database)
                        let lost = try await IdentityFixtures.audit(in: organization, status: "PENDING", database: database)
                        let waitingTask = try await kit.producer.enqueue(ScanAuditTask(auditID: waiting))
                        try await TestDatabase.withConnection(database) { connection in
                            try await connection.query(
                                "UPDATE audits SET scan_task_id = \(waitingTask), enqueued_at = now() WHERE id = \(waiting)",
                                logger: logger
                            )
                            try await connection.query(
                                "UPDATE audits SET scan_task_id = \(TaskEnvelope.newID()), enqueued_at = now() WHERE id = \(lost)",
                                logger: logger
                            )
                        }

                        let config = try TestEnvironment.config(database: database)
                        let (published, stats) = try await Infrastructure.withRunning(
                            config: config,
                            applicationName: "tests",
                            logger: logger
                        ) {
                            infrastructure in
                            let audits = AuditService(postgres: infrastructure.postgres, broker: kit.broker, logger: logger)
                            try await kit.redis.send("CONFIG", "RESETSTAT")
                            let published = try await audits.reconcile(now: Date().addingTimeInterval(600))
                            let stats = try #require(try await kit.redis.send("INFO", "commandstats").string)
                            return (published, stats)
                        }
                        #expect(published == 2)

                        var calls: [String: Int] = [:]
                        for line in stats.split(whereSeparator: \.isNewline) where line.hasPrefix("cmdstat_") {
                            let name = line.dropFirst("cmdstat_".count).prefix { $0 != ":" }
                            let count = line.split(separator: ",").first?.split(separator: "=").last.flatMap { Int($0) } ?? 0
                            calls[String(name)] = count
                        }
                        calls["info"] = nil
                        calls["config|resetstat"] = nil
                        for scan in ["lrange", "llen", "lpos", "hgetall", "hvals", "hscan", "hlen", "scan", "keys", "zrange", "zscan"] {
                            #expect(calls[scan] == nil, "the reconciler ran \(scan): \(calls)")
                        }
                        // One MGET for the candidates, then one publish script (LPUSH + SET inside) per lost scan.
                        #expect(calls["mget"] == 1)
                        #expect(calls["lpush"] == 2)
                        #expect(calls.values.reduce(0, +) <= 12, "\(calls)")

                        let audits = try await TestDatabase.withConnection(database) { connection in
                            var tasks: [UUID: String] = [:]
                            for try await (id, task) in try await connection.query(
                                "SELECT id, scan_task_id FROM audits WHERE id = ANY(\([unpublished, lost]))",
                                logger: logger
                            ).decode((UUID, String).self) {
                                tasks[id] = task
                            }
                            return tasks
                        }
                        #expect(
                            try await kit.broker.liveTaskIDs(among: Array(audits.values) + [waitingTask]).count == 3,
                            "every candidate has a live scan now"
                        )
                    }
                }
            }
        }
    }
}
