/// Python `repr()` of JSON values, for the `argsrepr`/`kwargsrepr` headers that Flower and Celery's
/// logs show. Informational only; nothing parses it.
enum PythonRepr {
    static func tuple(_ values: [JSONValue]) -> String {
        values.count == 1 ? "(" + of(values[0]) + ",)" : "(" + values.map(of).joined(separator: ", ") + ")"
    }

    static func of(_ value: JSONValue) -> String {
        switch value {
        case .null: return "None"
        case .bool(let flag): return flag ? "True" : "False"
        case .int, .double: return value.jsonText
        case .string(let text):
            return "'" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'"
        case .array(let elements): return "[" + elements.map(of).joined(separator: ", ") + "]"
        case .object(let members):
            return "{" + members.keys.sorted().map { of(.string($0)) + ": " + of(members[$0]!) }.joined(separator: ", ") + "}"
        }
    }
}
