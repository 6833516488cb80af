import Foundation
import PostgresNIO

extension AuditService {
    /// What a user sees on an audit whose scan starts over because its worker stopped.
    static let restartedReason = "The worker running this scan stopped; the scan starts again."

    /// Returns RUNNING audits whose scan sent no heartbeat since `now - stuckAfter` to PENDING and
    /// publishes their scans; returns how many. Each row is re-checked under its lock, so an audit
    /// whose scan sent a heartbeat, finished or was canceled meanwhile is left alone.
    func recoverStuck(now: Date) async throws -> Int {
        let cutoff = now.addingTimeInterval(-stuckAfter.seconds)
        let stuck = try await postgres.withConnection { connection in
            try await table.requeueStuck(since: cutoff, reason: Self.restartedReason, on: connection)
        }
        guard !stuck.isEmpty else { return 0 }
        for id in stuck { await publish(id, notBefore: nil) }
        logger.notice(
            "restarted audit scans whose worker stopped",
            metadata: ["count": "\(stuck.count)", "audits": "\(stuck.map { $0.apiString })"]
        )
        return stuck.count
    }
}
