import Foundation

extension QueueBroker {
    /// Puts messages whose lease expired (held longer than the visibility timeout without renewal:
    /// their worker died or lost Redis) back at the front of their queues, marked redelivered, as
    /// kombu's `restore_visible` does, so orphans of Python and Swift workers alike come back.
    /// Returns how many were restored; any worker may call it at any time.
    @discardableResult
    public func restoreExpired(limit: Int = 200, now: Date = Date()) async throws -> Int {
        let ceiling = QueueBroker.score(now.addingTimeInterval(-visibilityTimeout.seconds))
        let tags =
            try await redis.send(
                RedisCommand("ZRANGE", keys.unackedIndex, "-inf", ceiling, "BYSCORE", "LIMIT", 0, limit)
            ).array?.compactMap(\.string) ?? []
        guard !tags.isEmpty else { return 0 }
        let values = try await redis.send(RedisCommand("HMGET", [keys.unacked] + tags)).array ?? []
        var arguments: [any RedisArgument] = [ceiling]
        var targets: [String] = []
        for (tag, value) in zip(tags, values) {
            guard let stored = value.bytes else {
                arguments += [tag, "", ""]
                targets.append(keys.unacked)  // unused: the script only drops the dangling index entry
                continue
            }
            let restored = Self.restoredMessage(fromUnacked: stored)
            arguments += [tag, stored, restored?.message ?? []]
            targets.append(restored.map { keys.list(queue: $0.queue, priority: $0.priority) } ?? keys.unacked)
            if restored == nil { arguments[arguments.count - 2] = "" }
        }
        let reply = try await redis.evaluate(
            QueueScripts.restore,
            keys: [keys.unacked, keys.unackedIndex, keys.unackedMutex] + targets,
            arguments: arguments
        )
        return max(reply.int ?? 0, 0)
    }

    /// Reads kombu's `[message, exchange, routing_key]` and returns the message to push back (with the
    /// redelivered flags kombu sets), its queue and priority. The anonymous exchange routes by routing
    /// key, which is the queue name; nil for an entry that cannot be read back.
    static func restoredMessage(fromUnacked stored: [UInt8]) -> (message: [UInt8], queue: String, priority: Int)? {
        guard let entry = try? JSONValue(parsing: stored), let parts = entry.array, parts.count == 3,
            let message = parts[0].object, let routingKey = parts[2].string
        else { return nil }
        let envelope = TaskEnvelope(json: message).redelivered()
        return (envelope.bytes, routingKey, envelope.priority)
    }

    /// Moves delayed messages that are due to the front of their queues. Returns how many moved.
    @discardableResult
    public func promoteDue(limit: Int = 500, now: Date = Date()) async throws -> Int {
        try await redis.evaluate(
            QueueScripts.promote,
            keys: [keys.delayed, keys.delayedMessages],
            arguments: [QueueBroker.score(now), limit]
        ).int ?? 0
    }
}
