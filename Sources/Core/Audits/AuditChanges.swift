import Logging

/// A counter in Redis that moves after writes to `audits` commit, so that an answer built from
/// audits and kept by an API process (its response cache) can tell in one Redis call whether it is
/// still current, on every replica. It counts every organization's audits at once: one key, which
/// a writer can move without knowing more than that it wrote. Writes that do not come this way (a
/// scheduled audit inserted in beat's transaction, a failure hook, an operator's SQL) reach the
/// caches as the `audit_changes` notification (migration 0013) within milliseconds.
public struct AuditChanges: Sendable {
    let redis: RedisClient
    let logger: Logger

    static let key = "audits:changed"

    public init(redis: RedisClient, logger: Logger) {
        self.redis = redis
        self.logger = logger
    }

    /// Called after the write committed. A failure is retried, then logged; the notification still
    /// reaches the caches.
    public func changed() async {
        for attempt in 1...3 {
            do {
                _ = try await redis.send("INCR", Self.key)
                return
            } catch {
                if attempt == 3 { logger.error("could not announce a change of audits", metadata: ["error": "\(error)"]) }
            }
        }
    }

    /// The keys a version is made of, for a caller that reads them in a round trip of its own
    /// (the API's authentication, with the request budget): pass their values to `version(of:)`.
    public static let keys = [PrincipalStamps.epochKey, key]

    /// The current version: the Redis data set's epoch (`PrincipalStamps`) and the counter. Nil
    /// when Redis does not answer or holds no epoch, and then nothing may be answered from a cache.
    public func version() async -> String? {
        guard let reply = try? await redis.send("MGET", Self.keys[0], Self.keys[1]), let values = reply.array else { return nil }
        return Self.version(of: values.map(\.string))
    }

    /// The version from the values of `keys`.
    public static func version(of values: [String?]?) -> String? {
        guard let values, values.count == 2, let epoch = values[0] else { return nil }
        return epoch + ":" + (values[1] ?? "0")
    }
}
