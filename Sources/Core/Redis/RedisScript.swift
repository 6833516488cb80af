import Crypto

/// A Lua script with its SHA-1, computed once so calls can use `EVALSHA`.
public struct RedisScript: Sendable {
    public let source: String
    public let sha1: String

    public init(_ source: String) {
        self.source = source
        self.sha1 = Hex.encode(Insecure.SHA1.hash(data: Array(source.utf8)))
    }
}
