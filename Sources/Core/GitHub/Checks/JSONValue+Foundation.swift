import Foundation

extension JSONValue {
    /// From what `JSONSerialization` produces (GitHub objects the checks keep as values).
    public init(foundation any: Any?) {
        switch any {
        case let value as String: self = .string(value)
        case let value as Bool: self = .bool(value)
        case let value as Int: self = .int(value)
        case let value as Double: self = .double(value)
        case let value as [String: Any]: self = .object(value.mapValues { JSONValue(foundation: $0) })
        case let value as [Any]: self = .array(value.map { JSONValue(foundation: $0) })
        default: self = .null
        }
    }
}
