import Foundation
import Logging
import PostgresNIO

extension AuditService {
    /// The audit service publishing scans as `audits.scan` tasks through `broker`.
    public init(postgres: PostgresClient, broker: QueueBroker, maxActiveAudits: Int = QuotaSettings().maxActiveAuditsPerOrganization, logger: Logger) {
        let producer = TaskProducer(broker: broker)
        self.init(
            postgres: postgres,
            dispatch: { auditID, notBefore in
                try await producer.enqueue(ScanAuditTask(auditID: auditID), options: .init(eta: notBefore))
            },
            queuedScans: {
                let messages = try await broker.messages(task: ScanAuditTask.declaration.name, queue: ScanAuditTask.declaration.queue)
                return Set(messages.compactMap { try? ScanAuditTask(body: $0.body()).auditID })
            },
            maxActiveAudits: maxActiveAudits,
            logger: logger
        )
    }

    /// Marks an audit ERROR with a readable reason (the scan task's failure hook). Finished audits
    /// keep their result.
    public static func markFailed(_ id: UUID, reason: String, postgres: PostgresClient, logger: Logger) async throws {
        try await postgres.query(
            """
            UPDATE audits SET status = 'ERROR', error = \(reason), finished_at = now()
            WHERE id = \(id) AND status IN ('PENDING', 'RUNNING')
            """,
            logger: logger
        )
        try await postgres.query("SELECT pg_notify(\(AuditEventHub.channel), \(id.uuidString.lowercased()))", logger: logger)
    }
}
