import Foundation
import PostgresNIO

extension ScheduleService {
    /// Enabled schedules whose next slot has come by `now`, earliest first: (schedule, slot).
    public func due(at now: Date, limit: Int = 500) async throws -> [(id: UUID, slot: Date)] {
        try await postgres.withConnection { connection in try await table.due(at: now, limit: limit, on: connection) }
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
        let schedule = try await currentSlot(id, slot: slot, on: connection)
        let following: Date?
        do {
            following = try Self.cronSchedule(cron: schedule.cron, timezone: schedule.timezone).nextRun(after: max(now, slot))
        } catch {
            try await disableUnreadable(schedule, on: connection)
            return nil
        }
        let integration = try await IntegrationTable(logger: logger).pick(
            schedule.integrationID,
            organizationID: schedule.organizationID,
            on: connection
        )
        let premium = try await PremiumGate.allowsPremium(schedule.organizationID, at: now, on: connection, logger: logger)
        let skip: Schedule.SkipReason? = !premium ? .subscriptionInactive : integration == nil ? .noIntegration : nil
        if let skip {
            try await self.skip(schedule, slot: slot, reason: skip, following: following, now: now, on: connection)
            return nil
        }
        try await run(schedule, slot: slot, auditID: auditID, integration: integration, following: following, now: now, on: connection)
        let audits = self.audits
        // After the commit: a failed publish leaves the audit PENDING without `enqueued_at`, which
        // the reconciler publishes.
        return { await audits.publish(auditID, notBefore: nil) }
    }

    /// The schedule, locked, when `slot` is still its next slot. Edited, disabled or deleted since
    /// the slot was read: that edit decided the next slot, and this one is superseded.
    private func currentSlot(_ id: UUID, slot: Date, on connection: PostgresConnection) async throws -> Schedule {
        guard let schedule = try await table.lockForDispatch(id, on: connection), schedule.enabled,
            let nextRunAt = schedule.nextRunAt, abs(nextRunAt.timeIntervalSince(slot)) < 0.001
        else { throw DueSlot.Superseded() }
        return schedule
    }

    /// A schedule whose stored cron or time zone no longer parses is turned off, not guessed around.
    private func disableUnreadable(_ schedule: Schedule, on connection: PostgresConnection) async throws {
        logger.error("schedule has an unreadable cron or time zone; disabling it", metadata: ["schedule": "\(schedule.id)"])
        try await table.disable(schedule.id, on: connection)
    }

    private func skip(
        _ schedule: Schedule,
        slot: Date,
        reason: Schedule.SkipReason,
        following: Date?,
        now: Date,
        on connection: PostgresConnection
    ) async throws {
        try await table.recordSkip(schedule.id, slot: slot, reason: reason, next: following, now: now, on: connection)
        try await AuditLog.record(
            AuditEvent(
                organizationID: schedule.organizationID,
                actorID: nil,
                system: .beat,
                action: .scheduleSkipped,
                targetType: .schedule,
                targetID: schedule.id.apiString,
                ip: "",
                metadata: ["reason": reason.rawValue, "slot": slot.formatted(.iso8601)]
            ),
            on: connection,
            logger: logger
        )
        logger.notice("scheduled rescan skipped", metadata: ["schedule": "\(schedule.id)", "reason": "\(reason.rawValue)"])
    }

    private func run(
        _ schedule: Schedule,
        slot: Date,
        auditID: UUID,
        integration: UUID?,
        following: Date?,
        now: Date,
        on connection: PostgresConnection
    ) async throws {
        try await AuditTable(logger: logger).insert(
            AuditTable.NewAudit(
                id: auditID,
                organizationID: schedule.organizationID,
                integrationID: integration,
                repository: schedule.repository,
                checks: [],
                trigger: .schedule,
                scheduleID: schedule.id,
                scheduledFor: slot
            ),
            on: connection
        )
        try await table.recordRun(schedule.id, slot: slot, auditID: auditID, next: following, now: now, on: connection)
        try await AuditLog.record(
            AuditEvent(
                organizationID: schedule.organizationID,
                actorID: nil,
                system: .beat,
                action: .auditScheduled,
                targetType: .audit,
                targetID: auditID.apiString,
                ip: "",
                metadata: ["schedule": schedule.id.apiString, "slot": slot.formatted(.iso8601)]
            ),
            on: connection,
            logger: logger
        )
    }
}
