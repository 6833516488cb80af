import Foundation
import Logging
import Synchronization

/// How many audit event streams (SSE) one user may hold open at once, across every API replica: each
/// open stream holds a slot in a Redis sorted set (member: the stream, score: when its lease ends),
/// renewed while it runs and released when it ends, so a replica that dies frees its slots when their
/// leases run out. While Redis is unreachable, the same limit is kept per process instead of not at all.
public final class EventStreamSlots: Sendable {
    public struct Slot: Sendable, Hashable {
        public let userID: UUID
        let member: String
    }

    let redis: RedisClient
    let limit: Int
    /// A slot not renewed for this long is free again.
    public let lease: Duration
    let logger: Logger
    private let local = Mutex<[UUID: Set<String>]>([:])

    public init(redis: RedisClient, limit: Int, lease: Duration = .seconds(90), logger: Logger) {
        self.redis = redis
        self.limit = limit
        self.lease = lease
        self.logger = logger
    }

    private static func key(_ userID: UUID) -> String { "sse:streams:" + userID.apiString }

    private static let acquireScript = RedisScript(
        """
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
        if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
        redis.call('ZADD', KEYS[1], ARGV[2], ARGV[4])
        redis.call('PEXPIRE', KEYS[1], ARGV[5])
        return 1
        """
    )

    /// A slot for a new stream of `userID`, or nil when the user already holds `limit` of them.
    public func acquire(_ userID: UUID, now: Date = .now) async -> Slot? {
        let slot = Slot(userID: userID, member: TaskEnvelope.newID())
        let leaseMilliseconds = Int(lease.seconds * 1000)
        do {
            let reply = try await redis.evaluate(
                Self.acquireScript,
                keys: [Self.key(userID)],
                arguments: [Self.milliseconds(now), Self.milliseconds(now) + leaseMilliseconds, limit, slot.member, leaseMilliseconds]
            )
            return reply.int == 1 ? slot : nil
        } catch {
            logger.error("stream slots unavailable in Redis; limiting per process", metadata: ["error": "\(error)"])
            return local.withLock { slots in
                guard slots[userID, default: []].count < limit else { return nil }
                slots[userID, default: []].insert(slot.member)
                return slot
            }
        }
    }

    /// Extends the slot's lease (a stream calls this whenever it re-authorizes its caller).
    public func renew(_ slot: Slot, now: Date = .now) async {
        let leaseMilliseconds = Int(lease.seconds * 1000)
        _ = try? await redis.transaction([
            RedisCommand("ZADD", Self.key(slot.userID), "XX", Self.milliseconds(now) + leaseMilliseconds, slot.member),
            RedisCommand("PEXPIRE", Self.key(slot.userID), leaseMilliseconds),
        ])
    }

    public func release(_ slot: Slot) async {
        local.withLock { slots in
            slots[slot.userID]?.remove(slot.member)
            if slots[slot.userID]?.isEmpty == true { slots[slot.userID] = nil }
        }
        _ = try? await redis.send("ZREM", Self.key(slot.userID), slot.member)
    }

    private static func milliseconds(_ date: Date) -> Int { Int(date.timeIntervalSince1970 * 1000) }
}
