/// The beat leader's lease in Redis: `SET key owner NX PX ttl` takes it when free, and a Lua script
/// renews it only while the caller still owns it, so a leader that stalled past its lease can never
/// extend (or release) the lease of its successor.
public struct BeatLease: Sendable {
    public let redis: RedisClient
    public let key: String
    public let owner: String
    public let ttl: Duration

    public init(redis: RedisClient, keys: QueueKeys, owner: String, ttl: Duration = .seconds(10)) {
        self.redis = redis
        self.key = keys.beatLeader
        self.owner = owner
        self.ttl = ttl
    }

    private static let renew = RedisScript(
        """
        if redis.call('GET', KEYS[1]) == ARGV[1] then
          return redis.call('PEXPIRE', KEYS[1], ARGV[2])
        end
        return 0
        """
    )

    private static let release = RedisScript(
        """
        if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
        return 0
        """
    )

    /// Renews the lease if this owner holds it, else takes it if it is free. True while leader.
    public func acquireOrRenew() async throws -> Bool {
        let milliseconds = Int(ttl.seconds * 1000)
        if try await redis.evaluate(Self.renew, keys: [key], arguments: [owner, milliseconds]).int == 1 { return true }
        return try await redis.send("SET", key, owner, "NX", "PX", milliseconds).string == "OK"
    }

    /// Gives the lease up at shutdown so a standby takes over without waiting for it to expire.
    public func release() async throws {
        try await redis.evaluate(Self.release, keys: [key], arguments: [owner])
    }

    /// The current leader's identity, if any.
    public func holder() async throws -> String? {
        try await redis.send("GET", key).string
    }
}
