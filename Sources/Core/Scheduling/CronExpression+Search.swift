extension CronExpression {
    /// The first wall-clock minute at or after `start` that matches, or nil when none does within
    /// `withinYears` years. Each step skips a whole month, day or hour that cannot match, so even a
    /// Feb 29 expression is found in a few hundred steps.
    public func firstMatch(atOrAfter start: LocalDateTime, withinYears: Int = 30) -> LocalDateTime? {
        var (year, month, day, hour, minute) = (start.year, start.month, start.day, start.hour, start.minute)
        let lastYear = start.year + withinYears
        func nextDay() {
            day += 1
            hour = 0
            minute = 0
        }
        while year <= lastYear {
            guard let selectedMonth = months.first(atOrAfter: month) else {
                (year, month, day, hour, minute) = (year + 1, 1, 1, 0, 0)
                continue
            }
            if selectedMonth != month {
                (month, day, hour, minute) = (selectedMonth, 1, 0, 0)
            }
            if day > LocalDateTime.daysIn(month: month, year: year) {
                (month, day, hour, minute) = (month + 1, 1, 0, 0)
                if month > 12 { (year, month) = (year + 1, 1) }
                continue
            }
            guard matchesDay(year: year, month: month, day: day) else {
                nextDay()
                continue
            }
            guard let selectedHour = hours.first(atOrAfter: hour) else {
                nextDay()
                continue
            }
            if selectedHour != hour {
                (hour, minute) = (selectedHour, 0)
            }
            guard let selectedMinute = minutes.first(atOrAfter: minute) else {
                (hour, minute) = (hour + 1, 0)
                if hour > 23 { nextDay() }
                continue
            }
            return LocalDateTime(year: year, month: month, day: day, hour: hour, minute: selectedMinute)
        }
        return nil
    }

    /// The shortest time between two consecutive runs, in minutes, as read on the wall clock
    /// (a daylight-saving change can make one real interval up to an hour shorter or longer).
    public var shortestInterval: Int {
        let times = hours.values.flatMap { hour in minutes.values.map { hour * 60 + $0 } }
        var shortest = Int.max
        for (earlier, later) in zip(times, times.dropFirst()) { shortest = min(shortest, later - earlier) }
        if let first = times.first, let last = times.last, let days = shortestDayGap {
            shortest = min(shortest, days * 1440 - last + first)
        }
        return shortest
    }

    /// The fewest days between two consecutive days that match, over one 400-year Gregorian cycle
    /// (after which weekdays and leap years repeat); nil when fewer than two days match.
    var shortestDayGap: Int? {
        var shortest: Int?
        var previous: Int?
        var days = LocalDateTime.days(year: 2000, month: 1, day: 1)
        for year in 2000..<2400 {
            for month in 1...12 {
                let length = LocalDateTime.daysIn(month: month, year: year)
                guard months.contains(month) else {
                    days += length
                    continue
                }
                for day in 1...length {
                    if matchesDay(dayOfMonth: day, weekday: LocalDateTime.weekday(days: days)) {
                        if let previous { shortest = min(shortest ?? .max, days - previous) }
                        if shortest == 1 { return 1 }
                        previous = days
                    }
                    days += 1
                }
            }
        }
        return shortest
    }
}
