/// Limits on organizations' rescan schedules.
public struct SchedulingSettings: Sendable {
    /// Schedules whose runs can come closer together than this are refused (400), so that one
    /// organization cannot keep the scan workers and its GitHub rate limit busy on its own.
    public var minimumInterval: Duration

    public init(minimumInterval: Duration = .seconds(900)) {
        self.minimumInterval = minimumInterval
    }

    init(_ env: EnvironmentReader) throws(ConfigError) {
        self.init(minimumInterval: .seconds(try env.integer("SCHEDULE_MIN_INTERVAL_SECONDS", default: 900, in: 60...604_800)))
    }
}
