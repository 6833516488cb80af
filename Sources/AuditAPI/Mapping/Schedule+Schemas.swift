import Core
import Foundation

extension Components.Schemas.Schedule {
    init(_ schedule: Core.Schedule) {
        self.init(
            id: schedule.id.apiString,
            name: schedule.name,
            target: .init(integration: schedule.integrationID?.apiString, repository: schedule.repository),
            cron: schedule.cron,
            timezone: schedule.timezone,
            enabled: schedule.enabled,
            nextRunAt: schedule.nextRunAt,
            lastRunAt: schedule.lastRunAt,
            lastAudit: schedule.lastAuditID?.apiString,
            lastSkipReason: schedule.lastSkipReason.flatMap { LastSkipReasonPayload(rawValue: $0.rawValue) },
            lastSkippedAt: schedule.lastSkippedAt,
            createdBy: schedule.createdBy?.apiString,
            createdAt: schedule.createdAt
        )
    }
}

extension ScheduleChanges.Target {
    /// The request's `target`, or the top-level `integration` and `repository` shorthands (the
    /// fields `audits/start/` takes) when `target` is absent; nil when neither is given.
    init?(_ target: Components.Schemas.ScheduleTargetRequest?, integration: String?, repository: String?) throws {
        if let target {
            try self.init(integration: target.integration, repository: target.repository)
        } else if integration != nil || repository != nil {
            try self.init(integration: integration, repository: repository)
        } else {
            return nil
        }
    }

    /// An integration id that is not a UUID cannot name one of the organization's integrations.
    init(integration text: String?, repository: String?) throws {
        var integration: UUID?
        if let text {
            guard let id = UUID(uuidString: text) else { throw ScheduleError.validation(["target.integration": ["Unknown integration."]]) }
            integration = id
        }
        self.init(integration: integration, repository: repository)
    }
}

extension APIError {
    init(_ error: ScheduleError) {
        switch error {
        case .validation(let fields): self.init(validation: fields)
        }
    }
}
