import Foundation
import Logging
import PostgresNIO

extension ReportService {
    /// The report service publishing renderings as `reports.generate` tasks through `broker`. A
    /// RUNNING report counts as stuck after three visibility timeouts without a heartbeat: the
    /// rendering heartbeats every quarter of one, and a dead worker's message would have come back
    /// after one.
    public init(postgres: PostgresClient, broker: QueueBroker, logger: Logger) {
        let producer = TaskProducer(broker: broker)
        self.init(
            postgres: postgres,
            dispatch: { reportID in try await producer.enqueue(GenerateReportTask(reportID: reportID)) },
            stuckAfter: broker.visibilityTimeout * 3,
            logger: logger
        )
    }

    /// Marks a report ERROR with a readable reason (the render task's failure hook). READY reports
    /// keep their PDF.
    public static func markFailed(_ id: UUID, reason: String, postgres: PostgresClient, logger: Logger) async throws {
        try await postgres.withConnection { connection in try await ReportTable(logger: logger).fail(id, reason: reason, on: connection) }
    }
}
