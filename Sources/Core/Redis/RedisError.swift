/// Failures talking to Redis, classified so callers know whether trying again can help.
public enum RedisError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The server could not be reached or the connection broke (refused, reset, timed out, EOF).
    /// The connection is discarded; a later call reconnects.
    case connection(String)
    /// The server answered with an error reply, e.g. `WRONGTYPE ...` or `NOAUTH ...`.
    case server(String)
    /// The reply did not have the shape the caller needed.
    case unexpectedReply(String)

    public var description: String {
        switch self {
        case .connection(let message): "redis connection: \(message)"
        case .server(let message): "redis: \(message)"
        case .unexpectedReply(let message): "redis unexpected reply: \(message)"
        }
    }

    /// True for failures that a retry on a fresh connection may fix.
    public var isTransient: Bool {
        switch self {
        case .connection: true
        case .server(let message): message.hasPrefix("LOADING") || message.hasPrefix("BUSY") || message.hasPrefix("TRYAGAIN")
        case .unexpectedReply: false
        }
    }
}
