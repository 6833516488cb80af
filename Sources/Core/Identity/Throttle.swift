import Logging

/// Request budgets kept in Redis, so every API replica counts against the same numbers. Fixed
/// windows: simple, one round trip, and the window's remaining time is an honest `Retry-After`.
///
/// If Redis is unreachable the budget is not enforced (logged as an error): refusing every login
/// because the counter store is down would turn a Redis outage into a full outage.
public struct Throttle: Sendable {
    let redis: RedisClient
    let window: Duration
    let logger: Logger

    public init(redis: RedisClient, window: Duration, logger: Logger) {
        self.redis = redis
        self.window = window
        self.logger = logger
    }

    /// Counts one request against `key`; throws `throttled` once more than `limit` arrive in a window.
    public func spend(_ key: String, limit: Int) async throws(IdentityError) {
        guard let (count, remainingMilliseconds) = await count(key, increment: true) else { return }
        if count > limit { throw .throttled(retryAfter: Self.seconds(remainingMilliseconds)) }
    }

    /// Throws `throttled` when `key` has already reached `limit` in this window, without counting.
    public func ensureBelow(_ key: String, limit: Int) async throws(IdentityError) {
        guard let (count, remainingMilliseconds) = await count(key, increment: false) else { return }
        if count >= limit { throw .throttled(retryAfter: Self.seconds(remainingMilliseconds)) }
    }

    /// Counts one event (such as a failed login) against `key`.
    public func record(_ key: String) async {
        _ = await count(key, increment: true)
    }

    private static let script = RedisScript(
        """
        local count
        if ARGV[2] == '1' then
            count = redis.call('INCR', KEYS[1])
            if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
        else
            count = tonumber(redis.call('GET', KEYS[1]) or '0')
        end
        return {count, redis.call('PTTL', KEYS[1])}
        """
    )

    private func count(_ key: String, increment: Bool) async -> (Int, Int)? {
        let milliseconds = Int(window.components.seconds) * 1000 + Int(window.components.attoseconds / 1_000_000_000_000_000)
        do {
            let reply = try await redis.evaluate(
                Self.script,
                keys: ["throttle:" + key],
                arguments: [milliseconds, increment ? "1" : "0"]
            )
            guard let values = reply.array, values.count == 2, let count = values[0].int, let ttl = values[1].int else {
                return nil
            }
            return (count, max(ttl, 0))
        } catch {
            logger.error("throttle unavailable; request allowed", metadata: ["error": "\(error)"])
            return nil
        }
    }

    private static func seconds(_ milliseconds: Int) -> Int {
        max(1, (milliseconds + 999) / 1000)
    }
}
