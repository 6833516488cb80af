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
        let rows = try await postgres.query(
            """
            UPDATE audits SET status = 'PENDING', pending_reason = \(Self.restartedReason), heartbeat_at = NULL
            WHERE id IN (
                SELECT id FROM audits
                WHERE status = 'RUNNING' AND coalesce(heartbeat_at, started_at, created_at) <= \(cutoff)
                ORDER BY created_at LIMIT 500 FOR UPDATE SKIP LOCKED
            ) AND status = 'RUNNING' AND coalesce(heartbeat_at, started_at, created_at) <= \(cutoff)
            RETURNING id
            """,
            logger: logger
        )
        var stuck: [UUID] = []
        for try await id in rows.decode(UUID.self) { stuck.append(id) }
        guard !stuck.isEmpty else { return 0 }
        for id in stuck {
            try await postgres.query("SELECT pg_notify(\(AuditEventHub.channel), \(id.uuidString.lowercased()))", logger: logger)
            await publish(id, notBefore: nil)
        }
        logger.notice(
            "restarted audit scans whose worker stopped",
            metadata: ["count": "\(stuck.count)", "audits": "\(stuck.map { $0.uuidString.lowercased() })"]
        )
        return stuck.count
    }
}
