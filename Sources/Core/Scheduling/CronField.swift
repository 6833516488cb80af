/// The five fields of a cron expression, in order, with their ranges and names.
public enum CronField: Int, CaseIterable, Sendable {
    case minute
    case hour
    case dayOfMonth
    case month
    case dayOfWeek

    /// The name used in error messages.
    public var name: String {
        switch self {
        case .minute: "minute"
        case .hour: "hour"
        case .dayOfMonth: "day-of-month"
        case .month: "month"
        case .dayOfWeek: "day-of-week"
        }
    }

    /// Values a field may hold; day-of-week also takes 7 for Sunday, as cron does.
    var bounds: ClosedRange<Int> {
        switch self {
        case .minute: 0...59
        case .hour: 0...23
        case .dayOfMonth: 1...31
        case .month: 1...12
        case .dayOfWeek: 0...7
        }
    }

    /// Three-letter names, matched case-insensitively, with the value of the first.
    var names: (list: [String], first: Int)? {
        switch self {
        case .month: (["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"], 1)
        case .dayOfWeek: (["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"], 0)
        default: nil
        }
    }
}

/// A set of small non-negative integers (a cron field's values) as a bit mask.
public struct CronValues: Hashable, Sendable {
    var bits: UInt64 = 0

    init() {}

    init(_ range: ClosedRange<Int>) {
        for value in range { insert(value) }
    }

    mutating func insert(_ value: Int) {
        bits |= 1 << UInt64(value)
    }

    public func contains(_ value: Int) -> Bool {
        value >= 0 && value < 64 && bits & (1 << UInt64(value)) != 0
    }

    public var isEmpty: Bool { bits == 0 }

    /// The values in ascending order.
    public var values: [Int] { (0..<64).filter(contains) }

    /// The smallest value that is `value` or more, if any.
    func first(atOrAfter value: Int) -> Int? {
        guard value < 64 else { return nil }
        let remaining = bits >> UInt64(max(value, 0))
        guard remaining != 0 else { return nil }
        return max(value, 0) + remaining.trailingZeroBitCount
    }
}
