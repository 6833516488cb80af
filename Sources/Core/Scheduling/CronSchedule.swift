import Foundation

/// A cron expression read on the wall clock of an IANA time zone, turned into instants (UTC).
///
/// Every matching wall-clock time runs once: a time inside the hour skipped when clocks go forward
/// runs at the first instant after it (02:30 on the night Berlin jumps from 02:00 to 03:00 runs at
/// 03:00 CEST), a time inside the hour repeated when clocks go back runs at its first occurrence
/// only, and several times that land on the same instant run once.
public struct CronSchedule: Sendable {
    public let expression: CronExpression
    public let timeZone: TimeZone

    public init(expression: CronExpression, timeZone: TimeZone) {
        self.expression = expression
        self.timeZone = timeZone
    }

    /// The first run strictly after `instant`, or nil if the expression never runs again.
    public func nextRun(after instant: Date) -> Date? {
        // Wall times before the wall clock at `instant` name instants at or before it (see
        // `TimeZone.instant(of:)`), so the search starts there; inside a repeated hour it steps over
        // the times that already ran in the first pass.
        var wall = timeZone.wallClock(at: instant)
        for _ in 0..<2_000 {
            guard let match = expression.firstMatch(atOrAfter: wall) else { return nil }
            let run = timeZone.instant(of: match)
            if run > instant { return run }
            wall = match.addingMinutes(1)
        }
        return nil
    }

    /// The next `count` runs after `instant`.
    public func runs(after instant: Date, count: Int) -> [Date] {
        var runs: [Date] = []
        var last = instant
        while runs.count < count, let next = nextRun(after: last) {
            runs.append(next)
            last = next
        }
        return runs
    }
}

extension TimeZone {
    /// The zone an IANA name (`Europe/Berlin`, `UTC`) names. Unknown names are refused, and so are
    /// fixed offsets such as `GMT+5`, which Foundation accepts but which are not zone names.
    public static func iana(_ name: String) throws(CronError) -> TimeZone {
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw CronError("Enter an IANA time zone name such as Europe/Berlin or UTC.") }
        let isOffset = trimmed.range(of: #"^(GMT|UTC|UT)[+-]"#, options: [.regularExpression, .caseInsensitive]) != nil
        if !isOffset, let zone = TimeZone(identifier: trimmed) { return zone }
        let known = TimeZone.knownTimeZoneIdentifiers + ["UTC"]
        if let match = known.first(where: { $0.caseInsensitiveCompare(trimmed) == .orderedSame }), match != trimmed {
            throw CronError("Unknown time zone \"\(trimmed)\"; did you mean \(match)?")
        }
        throw CronError("Unknown time zone \"\(trimmed)\"; use an IANA name such as Europe/Berlin, America/New_York or UTC.")
    }
}
