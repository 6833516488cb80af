import Foundation
import PostgresNIO

extension ScheduleService {
    /// `PATCH schedules/{id}/`. Enabling a disabled schedule is a premium action (402); other changes,
    /// disabling included, only need the role. A change of `cron`, `timezone` or `enabled`
    /// recomputes `next_run_at`: the first slot after `now` and after the last slot that ran, so a
    /// slot never runs twice and slots missed while disabled are not caught up.
    public func update(_ principal: Principal, id: UUID, _ changes: ScheduleChanges, ip: String, now: Date = Date()) async throws
        -> Schedule
    {
        let organizationID = try principal.organization()
        return try await postgres.transaction(logger: logger) { connection in
            // Locked, so beat's claim of a due slot and this edit happen one after the other.
            let current = try await find(id, organizationID: organizationID, on: connection, lock: true)
            let enabling = changes.enabled == true && !current.enabled
            try principal.authorize(enabling ? .enableSchedules : .manageSchedules)
            let validated = try validate(changes, current: current)

            let enabled = changes.enabled ?? current.enabled
            let cron = validated.cron ?? current.cron
            let timezone = validated.timezone ?? current.timezone
            var nextRun = current.nextRunAt
            let timingChanged = cron != current.cron || timezone != current.timezone || enabled != current.enabled
            if timingChanged {
                nextRun = nil
                if enabled {
                    let schedule = try validated.schedule ?? Self.cronSchedule(cron: cron, timezone: timezone)
                    nextRun = schedule.nextRun(after: max(now, current.lastSlotAt ?? now))
                }
            }
            var integration = current.integrationID
            var repository = current.repository
            if let target = validated.target {
                integration = try await resolveIntegration(target.integration, organizationID: organizationID, on: connection)
                repository = target.repository
            }
            let updated = try await table.update(
                id,
                ScheduleTable.Edit(
                    name: validated.name ?? current.name,
                    integrationID: integration,
                    repository: repository,
                    cron: cron,
                    timezone: timezone,
                    enabled: enabled,
                    nextRunAt: nextRun
                ),
                on: connection
            )
            try await record(.scheduleUpdated, updated, principal: principal, ip: ip, on: connection)
            return updated
        }
    }

    /// The stored expression and zone as a schedule. They were validated when written, so a failure
    /// here means the parser changed since; it is reported rather than guessed around.
    static func cronSchedule(cron: String, timezone: String) throws -> CronSchedule {
        CronSchedule(expression: try CronExpression(parsing: cron), timeZone: try TimeZone.iana(timezone))
    }
}
