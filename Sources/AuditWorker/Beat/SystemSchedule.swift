import Core

/// The system's own periodic jobs. Empty for now: organization rescans and the re-enqueueing of lost
/// PENDING audits arrive with the schedules and audits domains, as entries of this source.
enum SystemSchedule {
    static let source = IntervalScheduleSource(entries: [])
}
