/// Limits on organizations' rescan schedules, and what beat's maintenance jobs keep.
public struct SchedulingSettings: Sendable {
    /// Schedules whose runs can come closer together than this are refused (400), so that one
    /// organization cannot keep the scan workers and its GitHub rate limit busy on its own.
    public var minimumInterval: Duration
    /// Reports older than this are deleted by beat's maintenance job.
    public var reportRetention: Duration

    public init(minimumInterval: Duration = .seconds(900), reportRetention: Duration = .seconds(365 * 86_400)) {
        self.minimumInterval = minimumInterval
        self.reportRetention = reportRetention
    }

    init(_ env: EnvironmentReader) throws(ConfigError) {
        self.init(
            minimumInterval: .seconds(try env.integer("SCHEDULE_MIN_INTERVAL_SECONDS", default: 900, in: 60...604_800)),
            reportRetention: .seconds(try env.integer("REPORT_RETENTION_DAYS", default: 365, in: 1...36_500) * 86_400)
        )
    }
}
