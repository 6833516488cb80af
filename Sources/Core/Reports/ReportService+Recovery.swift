import Foundation
import PostgresNIO

extension ReportService {
    /// Returns RUNNING reports whose rendering sent no heartbeat since `now - stuckAfter` to PENDING
    /// and publishes them again; returns how many. The rendering claims any report that is not
    /// READY, so the dead worker's message, should it still come back, only renders it once more.
    func recoverStuck(now: Date) async throws -> Int {
        let cutoff = now.addingTimeInterval(-stuckAfter.seconds)
        let rows = try await postgres.query(
            """
            UPDATE reports SET status = 'PENDING', heartbeat_at = NULL
            WHERE id IN (
                SELECT id FROM reports
                WHERE status = 'RUNNING' AND coalesce(heartbeat_at, started_at, created_at) <= \(cutoff)
                ORDER BY created_at LIMIT 500 FOR UPDATE SKIP LOCKED
            ) AND status = 'RUNNING' AND coalesce(heartbeat_at, started_at, created_at) <= \(cutoff)
            RETURNING id
            """,
            logger: logger
        )
        var stuck: [UUID] = []
        for try await id in rows.decode(UUID.self) { stuck.append(id) }
        for id in stuck { await publish(id) }
        if !stuck.isEmpty {
            logger.notice(
                "restarted report renderings whose worker stopped",
                metadata: ["count": "\(stuck.count)", "reports": "\(stuck.map { $0.uuidString.lowercased() })"]
            )
        }
        return stuck.count
    }
}
