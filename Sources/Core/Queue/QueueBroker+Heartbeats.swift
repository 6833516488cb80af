import Foundation

extension QueueBroker {
    /// Publishes a heartbeat that expires after `ttl` unless renewed, and registers the worker and its
    /// queues for `inspect`.
    public func publish(heartbeat: WorkerHeartbeat, ttl: Duration) async throws {
        let document = try JSONValue(encoding: heartbeat).jsonBytes
        _ = try await redis.pipeline([
            RedisCommand("SET", keys.worker(heartbeat.identity), document, "PX", Int(ttl.seconds * 1000)),
            RedisCommand("ZADD", keys.workers, QueueBroker.score(Date()), heartbeat.identity),
            RedisCommand("SADD", [keys.knownQueues] + heartbeat.queues),
        ])
    }

    /// Removes a worker's heartbeat at a clean exit.
    public func removeHeartbeat(identity: String) async throws {
        _ = try await redis.pipeline([RedisCommand("DEL", keys.worker(identity)), RedisCommand("ZREM", keys.workers, identity)])
    }

    /// Workers seen in the last day: live ones with their heartbeat, and the identities of those whose
    /// heartbeat expired (dead or stopped without cleaning up).
    public func workers() async throws -> (alive: [WorkerHeartbeat], gone: [(identity: String, lastSeen: Double)]) {
        let cutoff = QueueBroker.score(Date().addingTimeInterval(-86_400))
        _ = try await redis.send("ZREMRANGEBYSCORE", keys.workers, "-inf", "(" + cutoff)
        let entries = try await redis.send("ZRANGE", keys.workers, 0, -1, "WITHSCORES").array ?? []
        var alive: [WorkerHeartbeat] = []
        var gone: [(String, Double)] = []
        for index in stride(from: 0, to: entries.count - 1, by: 2) {
            guard let identity = entries[index].string else { continue }
            let lastSeen = entries[index + 1].string.flatMap(Double.init) ?? 0
            if let document = try await redis.send("GET", keys.worker(identity)).bytes,
                let heartbeat = try? JSONValue(parsing: document).decode(WorkerHeartbeat.self)
            {
                alive.append(heartbeat)
            } else {
                gone.append((identity, lastSeen))
            }
        }
        return (alive, gone)
    }
}
