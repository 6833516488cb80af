import Core
import Foundation
import Logging

/// The system's own periodic jobs. Every minute, the `audits.reconcile`, `reports.reconcile` and
/// `emails.reconcile` tasks publish the scans of PENDING audits, the renderings of PENDING reports
/// and the deliveries of PENDING e-mails whose message never reached Redis or was lost, and restart RUNNING ones whose worker died (they use Redis, so
/// a worker runs them). Every hour, beat itself
/// deletes what has expired (refresh-token families and sessions, invitations, reports past their
/// retention) in the transaction that claims the hour's slot.
enum SystemSchedule {
    static func source(producer: TaskProducer, config: AppConfig, logger: Logger) -> IntervalScheduleSource {
        let identity = config.identity
        let retention = config.scheduling.reportRetention
        return IntervalScheduleSource(entries: [
            .task("audits.reconcile", every: .seconds(60), payload: ReconcileAuditsTask(), producer: producer),
            .task("reports.reconcile", every: .seconds(60), payload: ReconcileReportsTask(), producer: producer),
            .task("emails.reconcile", every: .seconds(60), payload: ReconcileEmailsTask(), producer: producer),
            .transaction("maintenance.purge-logins", every: .seconds(3_600)) { connection, slot in
                let deleted = try await IdentityService.purgeExpiredLogins(on: connection, now: slot, settings: identity, logger: logger)
                if deleted > 0 { logger.notice("purged expired logins", metadata: ["rows": "\(deleted)"]) }
            },
            .transaction("maintenance.purge-invitations", every: .seconds(3_600)) { connection, slot in
                let deleted = try await OrganizationService.purgeExpiredInvitations(on: connection, now: slot, logger: logger)
                if deleted > 0 { logger.notice("purged expired invitations", metadata: ["rows": "\(deleted)"]) }
            },
            .transaction("maintenance.purge-reports", every: .seconds(3_600)) { connection, slot in
                let deleted = try await ReportRetention.purge(on: connection, now: slot, retention: retention, logger: logger)
                if deleted > 0 { logger.notice("purged reports past their retention", metadata: ["rows": "\(deleted)"]) }
            },
        ])
    }
}
