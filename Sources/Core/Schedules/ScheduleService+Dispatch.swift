import Foundation
import PostgresNIO

extension ScheduleService {
    /// Enabled schedules whose next slot has come by `now`, earliest first: (schedule, slot).
    public func due(at now: Date, limit: Int = 500) async throws -> [(id: UUID, slot: Date)] {
        let rows = try await postgres.query(
            """
            SELECT id, next_run_at FROM schedules WHERE enabled AND next_run_at <= \(now)
            ORDER BY next_run_at, id LIMIT \(limit)
            """,
            logger: logger
        )
        var due: [(id: UUID, slot: Date)] = []
        for try await (id, slot) in rows.decode((UUID, Date).self) { due.append((id, slot)) }
        return due
    }

    /// Beat's dispatch of one due slot, on the connection (and in the transaction) that claimed it:
    /// creates the slot's audit (`trigger` schedule, no requesting user, id `auditID`) and moves
    /// `next_run_at` to the first slot after `now`, so however many slots an outage missed, one
    /// audit runs. When the organization's subscription lapsed or the integration is gone, records
    /// the skip instead. Throws `DueSlot.Superseded` when the schedule changed since `slot` was
    /// read. Returns the publishing of the audit's scan, to run after the commit, or nil when the
    /// slot was skipped.
    public func dispatch(_ id: UUID, slot: Date, now: Date, auditID: UUID, on connection: PostgresConnection) async throws
        -> DueSlot.FollowUp?
    {
        let rows = try await connection.query(
            """
            SELECT \(unescaped: Schedule.qualifiedColumns)
            FROM schedules s
            WHERE s.id = \(id)
            FOR UPDATE OF s
            """,
            logger: logger
        )
        var found: Schedule?
        for try await row in rows { found = try Schedule.decode(row) }
        // Edited, disabled or deleted since the slot was read: that edit decided the next slot.
        guard let schedule = found, schedule.enabled, let nextRunAt = schedule.nextRunAt,
            abs(nextRunAt.timeIntervalSince(slot)) < 0.001
        else { throw DueSlot.Superseded() }

        let following: Date?
        do {
            following = try Self.cronSchedule(cron: schedule.cron, timezone: schedule.timezone).nextRun(after: max(now, slot))
        } catch {
            logger.error("schedule has an unreadable cron or time zone; disabling it", metadata: ["schedule": "\(id)"])
            try await connection.query("UPDATE schedules SET enabled = false, next_run_at = NULL WHERE id = \(id)", logger: logger)
            return nil
        }

        let integration = try await Integration.pick(
            schedule.integrationID,
            organizationID: schedule.organizationID,
            on: connection,
            logger: logger
        )
        let premium = try await PremiumGate.allowsPremium(schedule.organizationID, at: now, on: connection, logger: logger)
        let skip: Schedule.SkipReason? = !premium ? .subscriptionInactive : integration == nil ? .noIntegration : nil
        if let skip {
            try await connection.query(
                """
                UPDATE schedules SET next_run_at = \(following), last_slot_at = \(slot),
                    last_skip_reason = \(skip.rawValue), last_skipped_at = \(now)
                WHERE id = \(id)
                """,
                logger: logger
            )
            try await AuditLog.record(
                AuditEvent(
                    organizationID: schedule.organizationID,
                    actorID: nil,
                    system: .beat,
                    action: "schedule.skipped",
                    targetType: "schedule",
                    targetID: id.apiString,
                    ip: "",
                    metadata: ["reason": skip.rawValue, "slot": slot.formatted(.iso8601)]
                ),
                on: connection,
                logger: logger
            )
            logger.notice("scheduled rescan skipped", metadata: ["schedule": "\(id)", "reason": "\(skip.rawValue)"])
            return nil
        }
        try await AuditTable(logger: logger).insert(
            AuditTable.NewAudit(
                id: auditID,
                organizationID: schedule.organizationID,
                integrationID: integration,
                repository: schedule.repository,
                checks: [],
                trigger: .schedule,
                scheduleID: id,
                scheduledFor: slot
            ),
            on: connection
        )
        try await connection.query(
            """
            UPDATE schedules SET next_run_at = \(following), last_slot_at = \(slot), last_run_at = \(now), last_audit_id = \(auditID),
                last_skip_reason = NULL, last_skipped_at = NULL
            WHERE id = \(id)
            """,
            logger: logger
        )
        try await AuditLog.record(
            AuditEvent(
                organizationID: schedule.organizationID,
                actorID: nil,
                system: .beat,
                action: "audit.scheduled",
                targetType: "audit",
                targetID: auditID.apiString,
                ip: "",
                metadata: ["schedule": id.apiString, "slot": slot.formatted(.iso8601)]
            ),
            on: connection,
            logger: logger
        )
        let audits = self.audits
        // After the commit: a failed publish leaves the audit PENDING without `enqueued_at`, which
        // the reconciler publishes.
        return { await audits.publish(auditID, notBefore: nil) }
    }
}
