/// A parsed five-field cron expression (minute hour day-of-month month day-of-week), matched
/// against wall-clock minutes. Parsing is in `CronExpression+Parsing.swift`, the search for the
/// next match in `CronExpression+Search.swift`; time zones are `CronSchedule`'s business.
public struct CronExpression: Hashable, Sendable, CustomStringConvertible {
    public let minutes: CronValues
    public let hours: CronValues
    public let daysOfMonth: CronValues
    public let months: CronValues
    /// 0 is Sunday; a 7 in the text is stored as 0.
    public let daysOfWeek: CronValues
    /// Whether day-of-month was restricted (did not start with `*`). When both day fields are
    /// restricted, a day matches if either matches; otherwise both must (cron's rule).
    public let daysOfMonthRestricted: Bool
    public let daysOfWeekRestricted: Bool
    /// The text as given (trimmed).
    public let source: String

    init(fields: [CronValues], restricted: (dayOfMonth: Bool, dayOfWeek: Bool), source: String) {
        minutes = fields[0]
        hours = fields[1]
        daysOfMonth = fields[2]
        months = fields[3]
        daysOfWeek = fields[4]
        daysOfMonthRestricted = restricted.dayOfMonth
        daysOfWeekRestricted = restricted.dayOfWeek
        self.source = source
    }

    public var description: String { source }

    /// Whether the expression fires on this calendar day (month and the day fields).
    public func matchesDay(year: Int, month: Int, day: Int) -> Bool {
        guard months.contains(month), day <= LocalDateTime.daysIn(month: month, year: year) else { return false }
        return matchesDay(dayOfMonth: day, weekday: LocalDateTime.weekday(days: LocalDateTime.days(year: year, month: month, day: day)))
    }

    func matchesDay(dayOfMonth: Int, weekday: Int) -> Bool {
        let byDate = daysOfMonth.contains(dayOfMonth)
        let byWeekday = daysOfWeek.contains(weekday)
        return daysOfMonthRestricted && daysOfWeekRestricted ? byDate || byWeekday : byDate && byWeekday
    }

    /// Whether the expression fires at this wall-clock minute.
    public func matches(_ time: LocalDateTime) -> Bool {
        minutes.contains(time.minute) && hours.contains(time.hour) && matchesDay(year: time.year, month: time.month, day: time.day)
    }
}
