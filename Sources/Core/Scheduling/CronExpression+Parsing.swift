import Foundation

extension CronExpression {
    /// Shorthands for common expressions. `@midnight`, `@yearly` and `@annually` are accepted too,
    /// as Vixie cron and cronie accept them.
    static let shorthands: [String: String] = [
        "@hourly": "0 * * * *",
        "@daily": "0 0 * * *",
        "@midnight": "0 0 * * *",
        "@weekly": "0 0 * * 0",
        "@monthly": "0 0 1 * *",
        "@yearly": "0 0 1 1 *",
        "@annually": "0 0 1 1 *",
    ]

    /// Parses the standard five fields with `*`, lists (`1,15`), ranges (`1-5`), steps (`*/15`,
    /// `0-30/10`, `5/20` = `5-59/20`) and month and day names (`JAN`, `mon-fri`), or a shorthand
    /// (`@hourly`, `@daily`, `@weekly`, `@monthly`). Every problem is reported, each naming its field.
    public init(parsing text: String) throws(CronError) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else {
            throw CronError("Enter a cron expression: minute hour day-of-month month day-of-week, e.g. \"0 3 * * 1-5\".")
        }
        var expanded = trimmed
        if trimmed.hasPrefix("@") {
            guard let replacement = Self.shorthands[trimmed.lowercased()] else {
                throw CronError("Unknown shorthand \"\(trimmed)\"; use @hourly, @daily, @weekly or @monthly.")
            }
            expanded = replacement
        }
        let parts = expanded.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard parts.count == 5 else {
            throw CronError(
                "Expected 5 fields (minute hour day-of-month month day-of-week), got \(parts.count): \"\(trimmed)\"."
            )
        }
        var fields: [CronValues] = []
        var problems: [String] = []
        for (field, part) in zip(CronField.allCases, parts) {
            do throws(CronError) {
                fields.append(try Self.parse(part, as: field))
            } catch {
                problems.append("\(field.name): \(error.messages.joined(separator: " "))")
            }
        }
        guard problems.isEmpty else { throw CronError(problems) }
        self.init(
            fields: fields,
            restricted: (dayOfMonth: !parts[2].hasPrefix("*"), dayOfWeek: !parts[4].hasPrefix("*")),
            source: trimmed
        )
        guard firstMatch(atOrAfter: LocalDateTime(year: 2000, month: 1, day: 1), withinYears: 400) != nil else {
            throw CronError("Never runs: none of the selected months has this day-of-month (such as February 30).")
        }
    }

    /// One field: a comma-separated list of `*`, `N`, `N-M`, each optionally `/STEP`.
    static func parse(_ text: String, as field: CronField) throws(CronError) -> CronValues {
        var values = CronValues()
        for item in text.split(separator: ",", omittingEmptySubsequences: false).map(String.init) {
            guard !item.isEmpty else { throw CronError("\"\(text)\" has an empty item in its list.") }
            let pieces = item.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            guard pieces.count <= 2 else { throw CronError("\"\(item)\" has more than one step (/).") }
            var step = 1
            if pieces.count == 2 {
                guard let parsed = Int(pieces[1]), parsed > 0 else {
                    throw CronError("the step in \"\(item)\" must be a positive number, got \"\(pieces[1])\".")
                }
                step = parsed
            }
            let range = try range(pieces[0], in: item, field: field, stepped: pieces.count == 2)
            for value in stride(from: range.lowerBound, through: range.upperBound, by: step) {
                values.insert(field == .dayOfWeek && value == 7 ? 0 : value)
            }
        }
        return values
    }

    /// The values `base` spans: all for `*`, `N-M`, or `N` (to the field's end when a step follows,
    /// so `5/20` means `5-59/20`).
    private static func range(_ base: String, in item: String, field: CronField, stepped: Bool) throws(CronError) -> ClosedRange<Int> {
        if base == "*" { return field.bounds }
        let ends = base.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        switch ends.count {
        case 1:
            let value = try number(ends[0], field: field)
            return stepped ? value...field.bounds.upperBound : value...value
        case 2:
            let low = try number(ends[0], field: field)
            let high = try number(ends[1], field: field)
            guard low <= high else { throw CronError("the range \"\(base)\" goes backwards; write the smaller value first.") }
            return low...high
        default:
            throw CronError("\"\(item)\" is not a value, a range (N-M) or *.")
        }
    }

    private static func number(_ text: String, field: CronField) throws(CronError) -> Int {
        if let value = Int(text), text.allSatisfy(\.isNumber) {
            guard field.bounds.contains(value) else {
                throw CronError("\(value) is out of range \(field.bounds.lowerBound)-\(field.bounds.upperBound).")
            }
            return value
        }
        if let names = field.names, let index = names.list.firstIndex(of: text.uppercased()) {
            return names.first + index
        }
        switch field.names?.first {
        case 1: throw CronError("\"\(text)\" is not a number from 1 to 12 or a month name (JAN-DEC).")
        case 0: throw CronError("\"\(text)\" is not a number from 0 to 7 or a day name (SUN-SAT).")
        default: throw CronError("\"\(text)\" is not a number from \(field.bounds.lowerBound) to \(field.bounds.upperBound).")
        }
    }
}
