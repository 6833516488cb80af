import Foundation
import Logging
import PostgresNIO

extension AuditService {
    /// The audit service publishing scans as `audits.scan` tasks through `broker`. A RUNNING audit
    /// counts as stuck after three visibility timeouts without a heartbeat: the scan heartbeats
    /// every quarter of one, and a dead worker's message would have come back after one.
    public init(
        postgres: PostgresClient,
        broker: QueueBroker,
        maxActiveAudits: Int = QuotaSettings().maxActiveAuditsPerOrganization,
        logger: Logger
    ) {
        let producer = TaskProducer(broker: broker)
        self.init(
            postgres: postgres,
            dispatch: { scans in
                try await producer.enqueue(
                    scans.map { scan in (ScanAuditTask(auditID: scan.auditID), TaskEnvelope.Options(id: scan.taskID, eta: scan.notBefore)) }
                )
            },
            liveScans: { taskIDs in try await broker.liveTaskIDs(among: taskIDs) },
            stuckAfter: broker.visibilityTimeout * 3,
            maxActiveAudits: maxActiveAudits,
            changes: AuditChanges(redis: broker.redis, logger: logger),
            logger: logger
        )
    }

    /// Marks an audit ERROR with a readable reason (the scan task's failure hook). Finished audits
    /// keep their result.
    public static func markFailed(_ id: UUID, reason: String, postgres: PostgresClient, logger: Logger) async throws {
        try await postgres.withConnection { connection in try await AuditTable(logger: logger).fail(id, reason: reason, on: connection) }
    }
}
