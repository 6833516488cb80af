import Foundation
import Logging
import PostgresNIO

/// Organizations' rescan schedules: reading and editing them (the API), and dispatching their due
/// slots (beat, see `ScheduleService+Dispatch.swift`).
public struct ScheduleService: Sendable {
    let postgres: PostgresClient
    /// Publishes the scans of the audits beat creates.
    let audits: AuditService
    let settings: SchedulingSettings
    let logger: Logger
    var table: ScheduleTable { ScheduleTable(logger: logger) }

    public init(postgres: PostgresClient, audits: AuditService, settings: SchedulingSettings, logger: Logger) {
        self.postgres = postgres
        self.audits = audits
        self.settings = settings
        self.logger = logger
    }

    /// `GET schedules/`, oldest first.
    public func list(_ principal: Principal, page: PageRequest) async throws -> Page<Schedule> {
        let organizationID = try principal.organization()
        try principal.authorize(.read)
        return try await postgres.withConnection { connection in
            try await table.page(organizationID: organizationID, page, on: connection)
        }
    }

    /// `GET schedules/{id}/`.
    public func schedule(_ principal: Principal, id: UUID) async throws -> Schedule {
        let organizationID = try principal.organization()
        let schedule = try await find(id, organizationID: organizationID, on: nil)
        try principal.authorize(.read)
        return schedule
    }

    /// `POST schedules/`: a premium action (402 without an active subscription). The first run is
    /// the first slot after `now`.
    public func create(_ principal: Principal, _ changes: ScheduleChanges, ip: String, now: Date = Date()) async throws -> Schedule {
        let organizationID = try principal.organization()
        try principal.authorize(.enableSchedules)
        let validated = try validate(changes, current: nil)
        guard let schedule = validated.schedule, let name = validated.name, let cron = validated.cron, let timezone = validated.timezone
        else { throw ScheduleError.validation(["cron": ["This field is required."]]) }
        let enabled = changes.enabled ?? true
        let nextRun = enabled ? schedule.nextRun(after: now) : nil
        let target = validated.target ?? .init()
        return try await postgres.transaction(logger: logger) { connection in
            let integration = try await resolveIntegration(target.integration, organizationID: organizationID, on: connection)
            let created = try await table.insert(
                ScheduleTable.NewSchedule(
                    organizationID: organizationID,
                    name: name,
                    integrationID: integration,
                    repository: target.repository,
                    cron: cron,
                    timezone: timezone,
                    enabled: enabled,
                    nextRunAt: nextRun,
                    createdBy: principal.userID
                ),
                on: connection
            )
            try await record(.scheduleCreated, created, principal: principal, ip: ip, on: connection)
            return created
        }
    }

    /// `DELETE schedules/{id}/`. Its audits stay, no longer linked to it.
    public func delete(_ principal: Principal, id: UUID, ip: String) async throws {
        let organizationID = try principal.organization()
        try await postgres.transaction(logger: logger) { connection in
            let schedule = try await find(id, organizationID: organizationID, on: connection)
            try principal.authorize(.manageSchedules)
            // Beat locks the claim row before the schedule row; deleting in the same order cannot deadlock with it.
            try await BeatSlotStore.forget(schedule: Schedule.beatEntry(id), on: connection, logger: logger)
            try await table.delete(id, on: connection)
            try await record(.scheduleDeleted, schedule, principal: principal, ip: ip, on: connection)
        }
    }

    /// The schedule `id` of the organization, or 404; locked for update when `connection` is given
    /// and `lock`.
    func find(_ id: UUID, organizationID: UUID, on connection: PostgresConnection?, lock: Bool = false) async throws -> Schedule {
        let schedule: Schedule?
        if let connection {
            schedule = try await table.find(id, organizationID: organizationID, lock: lock, on: connection)
        } else {
            schedule = try await postgres.withConnection { connection in
                try await table.find(id, organizationID: organizationID, lock: false, on: connection)
            }
        }
        guard let schedule else { throw NotFound(.schedule) }
        return schedule
    }

    /// The integration a target names (400 if the organization has no such integration), or the
    /// organization's first one when it names none; nil when it names none and the organization has
    /// none yet (runs then use the first one connected by the time they come).
    func resolveIntegration(_ requested: UUID?, organizationID: UUID, on connection: PostgresConnection) async throws -> UUID? {
        let picked = try await IntegrationTable(logger: logger).pick(requested, organizationID: organizationID, on: connection)
        if requested != nil && picked == nil { throw ScheduleError.validation(["target.integration": ["Unknown integration."]]) }
        return picked
    }

    func record(_ action: AuditAction, _ schedule: Schedule, principal: Principal, ip: String, on connection: PostgresConnection)
        async throws
    {
        try await AuditLog.record(
            AuditEvent(
                organizationID: schedule.organizationID,
                actorID: principal.userID,
                action: action,
                targetType: .schedule,
                targetID: schedule.id.apiString,
                ip: ip,
                metadata: ["name": schedule.name, "cron": schedule.cron, "timezone": schedule.timezone, "enabled": "\(schedule.enabled)"]
            ),
            on: connection,
            logger: logger
        )
    }
}
