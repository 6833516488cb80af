import Core
import Testing

@Suite("Cron expressions")
struct CronExpressionTests {
    @Test func fieldsListsRangesStepsAndNames() throws {
        let expression = try CronExpression(parsing: "  0,30 */6 1-5,15 jan-MAR,Oct mon-fri  ")
        #expect(expression.minutes.values == [0, 30])
        #expect(expression.hours.values == [0, 6, 12, 18])
        #expect(expression.daysOfMonth.values == [1, 2, 3, 4, 5, 15])
        #expect(expression.months.values == [1, 2, 3, 10])
        #expect(expression.daysOfWeek.values == [1, 2, 3, 4, 5])
        #expect(expression.source == "0,30 */6 1-5,15 jan-MAR,Oct mon-fri")

        #expect(try CronExpression(parsing: "10-40/15 * * * *").minutes.values == [10, 25, 40])
        #expect(try CronExpression(parsing: "5/20 * * * *").minutes.values == [5, 25, 45], "N/step runs from N to the field's end")
        #expect(try CronExpression(parsing: "0 0 * * 7").daysOfWeek.values == [0], "7 is Sunday too")
        #expect(try CronExpression(parsing: "0 0 * * 5-7").daysOfWeek.values == [0, 5, 6])
        #expect(try CronExpression(parsing: "0 0 * * sun,SAT").daysOfWeek.values == [0, 6])
    }

    @Test(arguments: [
        ("@hourly", "0 * * * *"), ("@daily", "0 0 * * *"), ("@weekly", "0 0 * * 0"), ("@monthly", "0 0 1 * *"),
        ("@DAILY", "0 0 * * *"), ("@yearly", "0 0 1 1 *"),
    ])
    func shorthands(_ shorthand: String, _ fields: String) throws {
        let parsed = try CronExpression(parsing: shorthand)
        let expanded = try CronExpression(parsing: fields)
        #expect(parsed.minutes == expanded.minutes && parsed.hours == expanded.hours && parsed.months == expanded.months)
        #expect(parsed.daysOfMonth == expanded.daysOfMonth && parsed.daysOfWeek == expanded.daysOfWeek)
        #expect(parsed.source == shorthand)
    }

    @Test func eitherDayFieldMatchesWhenBothAreRestricted() throws {
        // 2025-06-13 is a Friday, 2025-06-09 a Monday, 2025-06-10 a Tuesday.
        let either = try CronExpression(parsing: "0 0 13 * 1")
        #expect(either.matchesDay(year: 2025, month: 6, day: 13), "the 13th, though a Friday")
        #expect(either.matchesDay(year: 2025, month: 6, day: 9), "a Monday, though the 9th")
        #expect(!either.matchesDay(year: 2025, month: 6, day: 10))

        let dateOnly = try CronExpression(parsing: "0 0 13 * *")
        #expect(dateOnly.matchesDay(year: 2025, month: 6, day: 13))
        #expect(!dateOnly.matchesDay(year: 2025, month: 6, day: 9), "day-of-week * does not widen the match")

        let weekdayOnly = try CronExpression(parsing: "0 0 * * 1")
        #expect(weekdayOnly.matchesDay(year: 2025, month: 6, day: 9))
        #expect(!weekdayOnly.matchesDay(year: 2025, month: 6, day: 13))

        // As in Vixie cron, a field starting with * counts as unrestricted: odd days that are Mondays.
        let starStep = try CronExpression(parsing: "0 0 */2 * 1")
        #expect(starStep.matchesDay(year: 2025, month: 6, day: 9))
        #expect(!starStep.matchesDay(year: 2025, month: 6, day: 16), "a Monday on an even day")
        #expect(!starStep.matchesDay(year: 2025, month: 6, day: 11), "an odd day that is not a Monday")

        #expect(try !CronExpression(parsing: "0 0 13 2 5").matchesDay(year: 2025, month: 6, day: 13), "the month still applies")
    }

    @Test(arguments: [
        ("", "Enter a cron expression: minute hour day-of-month month day-of-week, e.g. \"0 3 * * 1-5\"."),
        ("* * * *", "Expected 5 fields (minute hour day-of-month month day-of-week), got 4: \"* * * *\"."),
        ("0 0 * * * *", "Expected 5 fields (minute hour day-of-month month day-of-week), got 6: \"0 0 * * * *\"."),
        ("60 * * * *", "minute: 60 is out of range 0-59."),
        ("* 24 * * *", "hour: 24 is out of range 0-23."),
        ("* * 0 * *", "day-of-month: 0 is out of range 1-31."),
        ("* * 32 * *", "day-of-month: 32 is out of range 1-31."),
        ("* * * 13 *", "month: 13 is out of range 1-12."),
        ("* * * * 8", "day-of-week: 8 is out of range 0-7."),
        ("*/0 * * * *", "minute: the step in \"*/0\" must be a positive number, got \"0\"."),
        ("*/x * * * *", "minute: the step in \"*/x\" must be a positive number, got \"x\"."),
        ("30-10 * * * *", "minute: the range \"30-10\" goes backwards; write the smaller value first."),
        ("1,,2 * * * *", "minute: \"1,,2\" has an empty item in its list."),
        ("1-2-3 * * * *", "minute: \"1-2-3\" is not a value, a range (N-M) or *."),
        ("*/5/2 * * * *", "minute: \"*/5/2\" has more than one step (/)."),
        ("* * * FOO *", "month: \"FOO\" is not a number from 1 to 12 or a month name (JAN-DEC)."),
        ("* * * * MONDAY", "day-of-week: \"MONDAY\" is not a number from 0 to 7 or a day name (SUN-SAT)."),
        ("L * * * *", "minute: \"L\" is not a number from 0 to 59."),
        ("? * * * *", "minute: \"?\" is not a number from 0 to 59."),
        ("@every 5m", "Unknown shorthand \"@every 5m\"; use @hourly, @daily, @weekly or @monthly."),
        ("@reboot", "Unknown shorthand \"@reboot\"; use @hourly, @daily, @weekly or @monthly."),
        ("0 0 30 2 *", "Never runs: none of the selected months has this day-of-month (such as February 30)."),
        ("0 0 31 4,6,9,11 *", "Never runs: none of the selected months has this day-of-month (such as February 30)."),
    ])
    func invalidExpressionsSayWhatIsWrong(_ text: String, _ message: String) {
        #expect(throws: CronError([message])) { try CronExpression(parsing: text) }
    }

    @Test func everyBadFieldIsReported() {
        #expect(
            throws: CronError(["minute: 61 is out of range 0-59.", "month: \"x\" is not a number from 1 to 12 or a month name (JAN-DEC)."])
        ) {
            try CronExpression(parsing: "61 * * x *")
        }
    }

    @Test(arguments: [
        ("* * * * *", 1), ("*/15 * * * *", 15), ("0,5 3 * * *", 5), ("@hourly", 60), ("0 */6 * * *", 360),
        ("50 * * * *", 60), ("0 3 * * *", 1440), ("0 3 * * 1-5", 1440), ("0 3 * * 1", 10_080), ("0 23 * * 1,2", 1440),
        ("59 23 * * * ", 1440), ("0 0,23 * * *", 60), ("@monthly", 40_320), ("0 0 29 2 *", 2_103_840),
        ("0 0 1 * 1", 1440),
    ])
    func shortestIntervalOnTheWallClock(_ text: String, _ minutes: Int) throws {
        #expect(try CronExpression(parsing: text).shortestInterval == minutes)
    }
}
