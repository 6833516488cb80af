import Foundation
import PostgresNIO

extension ReportService {
    /// The reports' part of the shared publish cycle.
    var cycle: JobCycle { JobCycle(noun: "report rendering", rowKey: "report", logger: logger) }

    /// Returns RUNNING reports whose rendering sent no heartbeat since `now - stuckAfter` to
    /// PENDING. The rendering claims any report that is not READY, so the dead worker's message,
    /// should it still come back, only renders it once more.
    func requeueStuck(now: Date) async throws -> [UUID] {
        let cutoff = now.addingTimeInterval(-stuckAfter.seconds)
        return try await postgres.withConnection { connection in try await table.requeueStuck(since: cutoff, on: connection) }
    }
}
