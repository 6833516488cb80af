/// A decoded RESP2 reply. Bulk strings stay bytes so binary values round-trip untouched.
public enum RedisReply: Equatable, Sendable {
    case bulk([UInt8])
    case status(String)
    case integer(Int)
    case array([RedisReply])
    case null
    /// An error reply inside a pipeline or `EXEC` result; a top-level error reply is thrown instead.
    case error(String)

    /// The reply as text, for bulk strings and status replies.
    public var string: String? {
        switch self {
        case .bulk(let bytes): String(decoding: bytes, as: UTF8.self)
        case .status(let text): text
        default: nil
        }
    }

    public var bytes: [UInt8]? {
        if case .bulk(let bytes) = self { return bytes }
        return nil
    }

    /// Integer replies, and bulk strings holding a decimal number (as `GET` of a counter returns).
    public var int: Int? {
        switch self {
        case .integer(let value): value
        case .bulk(let bytes): Int(String(decoding: bytes, as: UTF8.self))
        default: nil
        }
    }

    public var array: [RedisReply]? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    public var isNull: Bool { self == .null }
}
