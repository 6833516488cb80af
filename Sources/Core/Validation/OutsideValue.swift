import Foundation

/// Numbers and dates that come from outside (a client's query, an upstream's header or JSON),
/// parsed with range checks so that no value can trap an arithmetic operation or a conversion
/// later: out of range is absent, and the caller decides what absent means.
public enum OutsideValue {
    /// The latest instant any date from outside may name: 9999-12-31T23:59:59Z, PostgreSQL's and
    /// ISO 8601's four-digit years.
    public static let latestEpochSeconds = 253_402_300_799

    /// A decimal integer (optional sign, ASCII digits only, no spaces), nil when it does not fit
    /// in `range`.
    public static func integer(_ text: some StringProtocol, in range: ClosedRange<Int> = -999_999_999_999_999...999_999_999_999_999) -> Int?
    {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let digits = trimmed.hasPrefix("-") || trimmed.hasPrefix("+") ? trimmed.dropFirst() : Substring(trimmed)
        guard !digits.isEmpty, digits.count <= 18, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(trimmed) else {
            return nil
        }
        return range.contains(value) ? value : nil
    }

    /// Unix seconds as a header carries them (`x-ratelimit-reset`), nil outside 1970...9999.
    public static func epochSeconds(_ text: some StringProtocol) -> Date? {
        integer(text, in: 0...latestEpochSeconds).map(date(epochSeconds:))
    }

    /// A date from Unix seconds in a JSON number, nil outside 1970...9999 or when not a number.
    public static func epochSeconds(json value: Any?) -> Date? {
        switch value {
        case let number as Int: return (0...latestEpochSeconds).contains(number) ? date(epochSeconds: number) : nil
        case let number as Double:
            guard number.isFinite, number >= 0, number <= Double(latestEpochSeconds) else { return nil }
            return Date(timeIntervalSince1970: number)
        default: return nil
        }
    }

    /// A date from Unix milliseconds (GitHub's audit log `@timestamp`), nil outside 1970...9999.
    public static func epochMilliseconds(json value: Any?) -> Date? {
        let milliseconds: Double
        switch value {
        case let number as Int: milliseconds = Double(number)
        case let number as Double: milliseconds = number
        default: return nil
        }
        guard milliseconds.isFinite, milliseconds >= 0, milliseconds <= Double(latestEpochSeconds) * 1000 else { return nil }
        return Date(timeIntervalSince1970: milliseconds / 1000)
    }

    /// Whether `date` lies in the years a stored or computed date may have (1970...9999).
    public static func isPlausible(_ date: Date) -> Bool {
        let seconds = date.timeIntervalSince1970
        return seconds.isFinite && seconds >= 0 && seconds <= Double(latestEpochSeconds)
    }

    private static func date(epochSeconds: Int) -> Date { Date(timeIntervalSince1970: TimeInterval(epochSeconds)) }
}
