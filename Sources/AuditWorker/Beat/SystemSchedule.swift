import Core

/// The system's own periodic jobs: every minute, publish the scans of PENDING audits and the
/// renderings of PENDING reports whose message never reached Redis or was lost.
enum SystemSchedule {
    static func source(producer: TaskProducer) -> IntervalScheduleSource {
        IntervalScheduleSource(entries: [
            .task("audits.reconcile", every: .seconds(60), payload: ReconcileAuditsTask(), producer: producer),
            .task("reports.reconcile", every: .seconds(60), payload: ReconcileReportsTask(), producer: producer),
        ])
    }
}
