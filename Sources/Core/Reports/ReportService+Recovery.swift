import Foundation
import PostgresNIO

extension ReportService {
    /// Returns RUNNING reports whose rendering sent no heartbeat since `now - stuckAfter` to PENDING
    /// and publishes them again; returns how many. The rendering claims any report that is not
    /// READY, so the dead worker's message, should it still come back, only renders it once more.
    func recoverStuck(now: Date) async throws -> Int {
        let cutoff = now.addingTimeInterval(-stuckAfter.seconds)
        let stuck = try await postgres.withConnection { connection in try await table.requeueStuck(since: cutoff, on: connection) }
        for id in stuck { await publish(id) }
        if !stuck.isEmpty {
            logger.notice(
                "restarted report renderings whose worker stopped",
                metadata: ["count": "\(stuck.count)", "reports": "\(stuck.map { $0.apiString })"]
            )
        }
        return stuck.count
    }
}
