import Foundation
import Logging

/// Request budgets kept in Redis, so every API replica counts against the same numbers. Fixed
/// windows: simple, one round trip, and the window's remaining time is an honest `Retry-After`.
///
/// Budgets that guard a password check are reserved before the check, atomically: of 30 parallel
/// guesses at one address's password, only as many as the budget allows are evaluated at all, and
/// a successful check gives its reservation back. While Redis is unreachable the same limits hold
/// per process (`LocalWindows`), so an outage of the counter store never switches them off.
public struct Throttle: Sendable {
    let redis: RedisClient
    let window: Duration
    let logger: Logger
    let fallback: LocalWindows

    public init(redis: RedisClient, window: Duration, logger: Logger) {
        self.redis = redis
        self.window = window
        self.logger = logger
        self.fallback = LocalWindows()
    }

    /// A budget unit taken by `reserve`; `release` gives it back.
    public struct Reservation: Sendable {
        let key: String
        let local: Bool
    }

    /// Counts one request against `key`; throws `throttled` once more than `limit` arrive in a window.
    public func spend(_ key: String, limit: Int) async throws(IdentityError) {
        let (count, remaining) = await apply(.spend, key, limit: limit)
        if count > limit { throw .throttled(retryAfter: Self.seconds(remaining)) }
    }

    /// One request counted against a budget, to be judged later (`check`): the caller may have
    /// other errors to answer first.
    public struct Spent: Sendable {
        let count: Int
        let remaining: Int
        let limit: Int

        /// Throws `throttled` when the request went over the budget.
        public func check() throws(IdentityError) {
            if count > limit { throw .throttled(retryAfter: Throttle.seconds(remaining)) }
        }
    }

    /// Counts one request against `key` and reads `values` (other Redis keys, as text) in the same
    /// round trip. The values are nil when Redis did not answer and the fallback counted.
    public func spend(_ key: String, limit: Int, reading values: [String]) async -> (Spent, [String?]?) {
        let milliseconds = Int(window.seconds * 1000)
        do {
            let reply = try await redis.evaluate(
                Self.script,
                keys: ["throttle:" + key] + values,
                arguments: [milliseconds, Operation.spend.rawValue, limit]
            )
            guard let items = reply.array, items.count == 2 + values.count, let count = items[0].int, let ttl = items[1].int else {
                throw RedisError.unexpectedReply("throttle script returned \(reply)")
            }
            return (Spent(count: count, remaining: max(ttl, 0), limit: limit), items.dropFirst(2).map(\.string))
        } catch {
            logger.error("throttle store unavailable; limiting per process", metadata: ["error": "\(error)"])
            let (count, remaining) = fallback.apply(.spend, "throttle:" + key, limit: limit, window: window)
            return (Spent(count: count, remaining: remaining, limit: limit), nil)
        }
    }

    /// Takes one unit of `key`'s budget if any is left in this window (else throws `throttled`),
    /// in one atomic step: concurrent callers can never take more than `limit`.
    public func reserve(_ key: String, limit: Int) async throws(IdentityError) -> Reservation {
        let (count, remaining, local) = await applyReporting(.reserve, key, limit: limit)
        if count > limit { throw .throttled(retryAfter: Self.seconds(remaining)) }
        return Reservation(key: key, local: local)
    }

    /// Gives a reserved unit back (the attempt it guarded succeeded).
    public func release(_ reservation: Reservation) async {
        if reservation.local {
            fallback.release("throttle:" + reservation.key)
            return
        }
        _ = await apply(.release, reservation.key, limit: 0)
    }

    /// The client address budgets count: IPv4 as it is, IPv6 by its /64 (one customer's network
    /// hands out a /64, so counting single addresses there would count nothing).
    public static func network(of address: String) -> String {
        guard let parsed = IPAddress(address) else { return address }
        if parsed.isIPv6 {
            // An IPv4-mapped client is that IPv4 address.
            if let v4 = parsed.unmappedIPv4 { return v4.description }
            let prefix = Array(parsed.bytes.prefix(8)) + Array(repeating: 0, count: 8)
            return (IPAddress(bytes: prefix)?.description ?? address) + "/64"
        }
        return parsed.description
    }

    enum Operation: String {
        /// Count, then compare: the request that goes over is refused.
        case spend
        /// Compare, then count only if below: nothing is counted for a refused request.
        case reserve
        case release
    }

    private static let script = RedisScript(
        """
        local count = tonumber(redis.call('GET', KEYS[1]) or '0')
        if ARGV[2] == 'reserve' and count >= tonumber(ARGV[3]) then
            return {count + 1, redis.call('PTTL', KEYS[1])}
        end
        if ARGV[2] == 'release' then
            if count > 0 then redis.call('DECR', KEYS[1]) end
            return {count - 1, redis.call('PTTL', KEYS[1])}
        end
        count = redis.call('INCR', KEYS[1])
        if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
        local reply = {count, redis.call('PTTL', KEYS[1])}
        -- Keys read alongside (`spend(_:limit:reading:)`); a missing one is false, which arrives as nil.
        for i = 2, #KEYS do reply[i + 1] = redis.call('GET', KEYS[i]) end
        return reply
        """
    )

    private func apply(_ operation: Operation, _ key: String, limit: Int) async -> (Int, Int) {
        let (count, remaining, _) = await applyReporting(operation, key, limit: limit)
        return (count, remaining)
    }

    /// The count after the operation (a refused reservation reports `limit + 1`), the window's
    /// remaining milliseconds, and whether the per-process fallback answered.
    private func applyReporting(_ operation: Operation, _ key: String, limit: Int) async -> (Int, Int, Bool) {
        let milliseconds = Int(window.seconds * 1000)
        do {
            let reply = try await redis.evaluate(
                Self.script,
                keys: ["throttle:" + key],
                arguments: [milliseconds, operation.rawValue, limit]
            )
            guard let values = reply.array, values.count == 2, let count = values[0].int, let ttl = values[1].int else {
                throw RedisError.unexpectedReply("throttle script returned \(reply)")
            }
            return (count, max(ttl, 0), false)
        } catch {
            logger.error("throttle store unavailable; limiting per process", metadata: ["error": "\(error)"])
            let (count, remaining) = fallback.apply(operation, "throttle:" + key, limit: limit, window: window)
            return (count, remaining, true)
        }
    }

    static func seconds(_ milliseconds: Int) -> Int {
        max(1, (milliseconds + 999) / 1000)
    }
}
