import Core
import Foundation
import Logging
import PostgresNIO
import TestSupport
import Testing

@testable import AuditWorker

/// Beat's system jobs: the lost-message reconciler and the hourly purges. Times are values the tests
/// pass in, never the wall clock.
@Suite("Beat system jobs")
struct BeatSystemJobTests {
    @Test func theReconcilerRecoversAnAuditWhoseMessageWasLostWithRedis() async throws {
        try await ScheduleBed.run { bed in
            let audits = AuditService(postgres: bed.infrastructure.postgres, broker: bed.kit.broker, logger: bed.logger)
            let audit = try await audits.start(bed.principal, integration: nil, repository: nil, checks: nil)
            let scans = bed.kit.broker.keys.list(queue: "scans")
            let later = Date().addingTimeInterval(600)
            func queuedAuditIDs() async throws -> [UUID] {
                let messages = try await bed.kit.queuedMessages(task: "audits.scan", queue: "scans")
                return try messages.map { try ScanAuditTask(body: $0.body()).auditID }
            }
            #expect(try await queuedAuditIDs() == [audit.id])

            // Ready in the queue, then fetched by a worker (unacked), then parked in the delayed set:
            // wherever the message is, the reconciler leaves the audit alone.
            #expect(try await audits.reconcile(now: later) == 0)
            let deliveries = try await bed.kit.broker.fetch(queues: ["scans"], count: 1, leaseBase: "test")
            let delivery = try #require(deliveries.first)
            #expect(try await bed.kit.redis.send("LLEN", scans).int == 0)
            #expect(try await audits.reconcile(now: later) == 0, "being run")
            #expect(try await bed.kit.broker.delay(delivery, envelope: try TaskEnvelope(parsing: delivery.raw), until: later))
            #expect(try await audits.reconcile(now: later) == 0, "delayed")
            #expect(try await queuedAuditIDs() == [audit.id])

            // Lost with Redis (flushed, or a failover to an empty replica): within the grace period
            // nothing happens, after it the scan is published again, once. The reconciler looks the
            // message up by its task id, so the message and its bookkeeping went together.
            try await bed.kit.flush()
            #expect(try await queuedAuditIDs().isEmpty)
            #expect(try await audits.reconcile(now: Date()) == 0, "inside the grace period")
            #expect(try await audits.reconcile(now: later) == 1)
            #expect(try await queuedAuditIDs() == [audit.id])
            #expect(try await bed.kit.redis.send("LLEN", scans).int == 1)
            #expect(try await audits.reconcile(now: later.addingTimeInterval(600)) == 0, "its message is back")

            // A finished audit is never published again, message or not.
            try await bed.kit.redis.send("DEL", scans)
            try await TestDatabase.withConnection(bed.database) { connection in
                try await connection.query("UPDATE audits SET status = 'PASS' WHERE id = \(audit.id)", logger: bed.logger)
            }
            #expect(try await audits.reconcile(now: later.addingTimeInterval(1_200)) == 0)
        }
    }

    @Test func hourlyPurgesDeleteWhatExpiredOncePerSlot() async throws {
        try await ScheduleBed.run { bed in
            let now = try #require(ISO8601DateFormatter().date(from: "2031-06-01T10:00:00Z"))
            let identity = IdentitySettings(
                accessTokenLifetime: .seconds(300),
                refreshTokenLifetime: .seconds(86_400),
                sessionLifetime: .seconds(1_209_600),
                bcryptCost: 4,
                throttleWindow: .seconds(60),
                trustedProxies: []
            )
            let user = bed.principal.userID
            let organization = try #require(bed.principal.organizationID)
            let live = UUID()
            let expired = UUID()
            let justExpired = UUID()
            try await TestDatabase.withConnection(bed.database) { connection in
                for (family, expiry) in [
                    (live, now.addingTimeInterval(3_600)), (expired, now.addingTimeInterval(-86_400)),
                    (justExpired, now.addingTimeInterval(-60)),
                ] {
                    try await connection.query(
                        "INSERT INTO token_families (id, user_id, created_at) VALUES (\(family), \(user), \(expiry.addingTimeInterval(-86_400)))",
                        logger: bed.logger
                    )
                    try await connection.query(
                        "INSERT INTO refresh_tokens (jti, family_id, expires_at) VALUES (\(UUID().uuidString), \(family), \(expiry))",
                        logger: bed.logger
                    )
                }
                for (hash, expiry, accepted) in [
                    ("open", now.addingTimeInterval(86_400), false), ("lapsed", now.addingTimeInterval(-1), false),
                    ("used", now.addingTimeInterval(-86_400), true),
                ] {
                    try await connection.query(
                        """
                        INSERT INTO invitations (organization_id, email, role, token_hash, expires_at, accepted_at)
                        VALUES (\(organization), \(hash + "@example.com"), 'MEMBER', \(hash), \(expiry), \(accepted ? now.addingTimeInterval(-90_000) : nil))
                        """,
                        logger: bed.logger
                    )
                }
            }
            let audit = try await AuditService(postgres: bed.infrastructure.postgres, broker: bed.kit.broker, logger: bed.logger)
                .start(bed.principal, integration: nil, repository: nil, checks: nil)
            try await TestDatabase.withConnection(bed.database) { connection in
                for age in [400.0, 366, 10] {
                    try await connection.query(
                        """
                        INSERT INTO reports (organization_id, audit_id, status, error, created_at)
                        VALUES (\(organization), \(audit.id), 'ERROR', 'fixture', \(now.addingTimeInterval(-age * 86_400)))
                        """,
                        logger: bed.logger
                    )
                }
            }
            var config = try TestEnvironment.config(database: bed.database)
            config.identity = identity
            config.scheduling.reportRetention = .seconds(365 * 86_400)
            var beat = bed.beat("beat")
            beat = BeatService(
                lease: beat.lease,
                slots: beat.slots,
                broker: beat.broker,
                sources: [SystemSchedule.source(producer: TaskProducer(broker: bed.kit.broker), config: config, logger: bed.logger)],
                logger: bed.logger
            )
            let dispatched = try await beat.dispatchDue(now: now)
            #expect(dispatched.count == 6, "the three reconcile messages and three purges")
            #expect(try await beat.dispatchDue(now: now.addingTimeInterval(59)).isEmpty, "each slot once")

            let remaining = try await TestDatabase.withConnection(bed.database) { connection in
                var families: Set<UUID> = []
                for try await id in try await connection.query("SELECT id FROM token_families", logger: bed.logger).decode(UUID.self) {
                    families.insert(id)
                }
                var invitations: Set<String> = []
                for try await hash in try await connection.query("SELECT token_hash FROM invitations", logger: bed.logger).decode(
                    String.self
                ) {
                    invitations.insert(hash)
                }
                var reports = 0
                for try await count in try await connection.query("SELECT count(*) FROM reports", logger: bed.logger).decode(Int.self) {
                    reports = count
                }
                return (families, invitations, reports)
            }
            #expect(remaining.0 == [live, justExpired], "an access token of the just-expired login may still be valid")
            #expect(remaining.1 == ["open", "used"])
            #expect(remaining.2 == 1)
        }
    }
}
