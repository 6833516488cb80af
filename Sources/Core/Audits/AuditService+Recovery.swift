import Foundation
import Logging
import PostgresNIO

extension AuditService {
    /// What a user sees on an audit whose scan starts over because its worker stopped.
    static let restartedReason = "The worker running this scan stopped; the scan starts again."

    /// The audits' part of the shared publish cycle.
    var cycle: JobCycle { JobCycle.auditScans(logger: logger) }

    /// Returns RUNNING audits whose scan sent no heartbeat since `now - stuckAfter` to PENDING.
    /// Each row is re-checked under its lock, so an audit whose scan sent a heartbeat, finished or
    /// was canceled meanwhile is left alone.
    func requeueStuck(now: Date) async throws -> [UUID] {
        let cutoff = now.addingTimeInterval(-stuckAfter.seconds)
        let requeued = try await postgres.withConnection { connection in
            try await table.requeueStuck(since: cutoff, reason: Self.restartedReason, on: connection)
        }
        if !requeued.isEmpty { await changes?.changed() }
        return requeued
    }

    /// PENDING audits written or published before `cutoff`, due by `now`, whose scan message is not
    /// live: only those candidates are looked up, by task id, so the cost never grows with the
    /// queues. Audits published again or started meanwhile are left out.
    func lostScans(since cutoff: Date, now: Date) async throws -> [UUID] {
        let candidates = try await postgres.withConnection { connection in
            try await table.waiting(since: cutoff, now: now, on: connection)
        }
        guard !candidates.isEmpty else { return [] }
        let live = try await liveScans(candidates.compactMap(\.taskID))
        let missing = candidates.filter { candidate in candidate.taskID.map { !live.contains($0) } ?? true }.map(\.id)
        guard !missing.isEmpty else { return [] }
        return try await postgres.withConnection { connection in try await table.stillWaiting(missing, since: cutoff, on: connection) }
    }
}

extension JobCycle {
    /// The audits' cycle, for the service and its group of starts (`StartWriter`).
    static func auditScans(logger: Logger) -> JobCycle { JobCycle(noun: "audit scan", rowKey: "audit", logger: logger) }
}
