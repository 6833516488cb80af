import Core
import Foundation
import Testing

/// Next runs of cron expressions in real IANA zones, across daylight-saving changes. Each row gives
/// the instant to start after (the injected "now") and the next three runs in UTC. The expected
/// values were worked out by hand and cross-checked against a brute-force walk over every UTC minute
/// with Python's zoneinfo.
@Suite("Cron schedules in time zones")
struct CronScheduleTests {
    struct Row: Sendable, CustomTestStringConvertible {
        let cron: String
        let zone: String
        let after: String
        let runs: [String]
        let why: String

        var testDescription: String { "\(cron) in \(zone) after \(after): \(why)" }
    }

    static let rows: [Row] = [
        Row(
            cron: "30 2 * * *",
            zone: "Europe/Berlin",
            after: "2025-03-29T12:00:00Z",
            runs: ["2025-03-30T01:00:00Z", "2025-03-31T00:30:00Z", "2025-04-01T00:30:00Z"],
            why: "02:30 does not exist on 30 March: it runs once at 03:00 CEST, the first instant after"
        ),
        Row(
            cron: "15 2 * * *",
            zone: "Europe/Berlin",
            after: "2025-03-30T00:00:00Z",
            runs: ["2025-03-30T01:00:00Z", "2025-03-31T00:15:00Z", "2025-04-01T00:15:00Z"],
            why: "a gap slot starting from inside the night of the change"
        ),
        Row(
            cron: "*/15 2 * * *",
            zone: "Europe/Berlin",
            after: "2025-03-29T23:59:00Z",
            runs: ["2025-03-30T01:00:00Z", "2025-03-31T00:00:00Z", "2025-03-31T00:15:00Z"],
            why: "four slots in the skipped hour run once together at 03:00 CEST"
        ),
        Row(
            cron: "30 2 * * *",
            zone: "Europe/Berlin",
            after: "2025-10-25T12:00:00Z",
            runs: ["2025-10-26T00:30:00Z", "2025-10-27T01:30:00Z", "2025-10-28T01:30:00Z"],
            why: "02:30 happens twice on 26 October: it runs at the first (CEST), not again at the second (CET)"
        ),
        Row(
            cron: "*/30 * * * *",
            zone: "Europe/Berlin",
            after: "2025-10-26T00:15:00Z",
            runs: ["2025-10-26T00:30:00Z", "2025-10-26T02:00:00Z", "2025-10-26T02:30:00Z"],
            why: "the repeated hour's 02:00 and 02:30 already ran in the first pass"
        ),
        Row(
            cron: "0 3 * * 1-5",
            zone: "Europe/Berlin",
            after: "2025-03-28T12:00:00Z",
            runs: ["2025-03-31T01:00:00Z", "2025-04-01T01:00:00Z", "2025-04-02T01:00:00Z"],
            why: "weekdays at 03:00, over the weekend of the change"
        ),
        Row(
            cron: "@monthly",
            zone: "Europe/Berlin",
            after: "2025-09-15T00:00:00Z",
            runs: ["2025-09-30T22:00:00Z", "2025-10-31T23:00:00Z", "2025-11-30T23:00:00Z"],
            why: "local midnight moves from 22:00Z to 23:00Z"
        ),
        Row(
            cron: "0 * * * *",
            zone: "America/New_York",
            after: "2025-03-09T05:30:00Z",
            runs: ["2025-03-09T06:00:00Z", "2025-03-09T07:00:00Z", "2025-03-09T08:00:00Z"],
            why: "02:00 EST does not exist; it and 03:00 EDT are one instant, which runs once"
        ),
        Row(
            cron: "0 * * * *",
            zone: "America/New_York",
            after: "2025-11-02T04:30:00Z",
            runs: ["2025-11-02T05:00:00Z", "2025-11-02T07:00:00Z", "2025-11-02T08:00:00Z"],
            why: "01:00 happens twice; the second (06:00Z) does not run"
        ),
        Row(
            cron: "30 1 * * *",
            zone: "America/New_York",
            after: "2025-11-01T12:00:00Z",
            runs: ["2025-11-02T05:30:00Z", "2025-11-03T06:30:00Z", "2025-11-04T06:30:00Z"],
            why: "01:30 EDT runs, 01:30 EST an hour later does not"
        ),
        Row(
            cron: "30 2 * * SUN",
            zone: "America/New_York",
            after: "2025-03-01T00:00:00Z",
            runs: ["2025-03-02T07:30:00Z", "2025-03-09T07:00:00Z", "2025-03-16T06:30:00Z"],
            why: "Sundays at 02:30: the change night runs at 03:00 EDT"
        ),
        Row(
            cron: "15 2 * * *",
            zone: "Australia/Lord_Howe",
            after: "2025-10-04T00:00:00Z",
            runs: ["2025-10-04T15:30:00Z", "2025-10-05T15:15:00Z", "2025-10-06T15:15:00Z"],
            why: "a half-hour change: 02:15 runs at 02:30 LHDT"
        ),
        Row(
            cron: "0 0 13 * 1",
            zone: "UTC",
            after: "2025-06-08T00:00:00Z",
            runs: ["2025-06-09T00:00:00Z", "2025-06-13T00:00:00Z", "2025-06-16T00:00:00Z"],
            why: "the 13th or a Monday: either day field matching is enough"
        ),
        Row(
            cron: "0 0 29 2 *",
            zone: "UTC",
            after: "2025-01-01T00:00:00Z",
            runs: ["2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z", "2036-02-29T00:00:00Z"],
            why: "leap days only"
        ),
        Row(
            cron: "0 9 * jan,JUL mon-fri",
            zone: "Europe/Berlin",
            after: "2025-06-30T00:00:00Z",
            runs: ["2025-07-01T07:00:00Z", "2025-07-02T07:00:00Z", "2025-07-03T07:00:00Z"],
            why: "month and day names in any case"
        ),
    ]

    static func date(_ text: String) throws -> Date {
        try #require(ISO8601DateFormatter().date(from: text), "bad date \(text)")
    }

    @Test(arguments: rows)
    func nextThreeRuns(_ row: Row) throws {
        let schedule = CronSchedule(expression: try CronExpression(parsing: row.cron), timeZone: try TimeZone.iana(row.zone))
        let runs = schedule.runs(after: try Self.date(row.after), count: 3)
        #expect(runs == (try row.runs.map(Self.date)))
    }

    @Test func theNextRunIsStrictlyAfterTheGivenInstant() throws {
        let schedule = CronSchedule(expression: try CronExpression(parsing: "0 3 * * *"), timeZone: try TimeZone.iana("Europe/Berlin"))
        let slot = try Self.date("2025-06-01T01:00:00Z")
        #expect(schedule.nextRun(after: slot.addingTimeInterval(-1)) == slot)
        #expect(schedule.nextRun(after: slot) == slot.addingTimeInterval(86_400))
        #expect(schedule.nextRun(after: slot.addingTimeInterval(0.5)) == slot.addingTimeInterval(86_400))
    }

    @Test func aWallClockTimeNamesItsFirstOccurrenceOrTheEndOfTheGap() throws {
        let berlin = try TimeZone.iana("Europe/Berlin")
        #expect(
            berlin.instant(of: LocalDateTime(year: 2025, month: 3, day: 30, hour: 2, minute: 30)) == (try Self.date("2025-03-30T01:00:00Z"))
        )
        #expect(
            berlin.instant(of: LocalDateTime(year: 2025, month: 10, day: 26, hour: 2, minute: 30))
                == (try Self.date("2025-10-26T00:30:00Z"))
        )
        #expect(berlin.instant(of: LocalDateTime(year: 2025, month: 7, day: 1, hour: 12)) == (try Self.date("2025-07-01T10:00:00Z")))
        #expect(
            berlin.wallClock(at: try Self.date("2025-10-26T01:30:00Z"))
                == LocalDateTime(year: 2025, month: 10, day: 26, hour: 2, minute: 30)
        )
    }

    @Test func ianaNamesOnly() throws {
        #expect(try TimeZone.iana("America/New_York").identifier == "America/New_York")
        #expect(throws: Never.self) { try TimeZone.iana("UTC") }
        #expect(throws: CronError(["Unknown time zone \"Mars/Olympus\"; use an IANA name such as Europe/Berlin, America/New_York or UTC."]))
        {
            try TimeZone.iana("Mars/Olympus")
        }
        #expect(throws: CronError(["Unknown time zone \"europe/berlin\"; did you mean Europe/Berlin?"])) {
            try TimeZone.iana("europe/berlin")
        }
        #expect(throws: CronError.self) { try TimeZone.iana("GMT+5") }
        #expect(throws: CronError(["Enter an IANA time zone name such as Europe/Berlin or UTC."])) { try TimeZone.iana(" ") }
    }

    @Test func civilDatesRoundTrip() {
        for minutes in stride(from: -5_000_000, through: 400_000_000, by: 7_919) {
            let wall = LocalDateTime(minutesSinceEpoch: minutes)
            #expect(wall.minutesSinceEpoch == minutes)
        }
        #expect(LocalDateTime(year: 1970, month: 1, day: 1).weekday == 4)
        #expect(LocalDateTime(year: 2024, month: 2, day: 29).weekday == 4)
        #expect(LocalDateTime(year: 2000, month: 3, day: 1).minutesSinceEpoch == 11_017 * 1440)
    }
}
