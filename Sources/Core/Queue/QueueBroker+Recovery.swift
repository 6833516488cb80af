import Foundation

extension QueueBroker {
    /// Puts messages whose lease expired (held longer than the visibility timeout without renewal:
    /// their worker died or lost Redis) back at the front of their queues, marked redelivered, as
    /// kombu's `restore_visible` does, so orphans of Python and Swift workers alike come back.
    /// A message whose worker died `maxDeliveries` times is poison: it goes to its dead-letter list
    /// (reason `poison`) instead, and is returned so the caller runs its failure hook. Any worker
    /// may call this at any time.
    @discardableResult
    public func restoreExpired(limit: Int = 200, now: Date = Date()) async throws -> RestoreOutcome {
        let ceiling = QueueBroker.score(now.addingTimeInterval(-visibilityTimeout.seconds))
        let tags =
            try await redis.send(
                RedisCommand("ZRANGE", keys.unackedIndex, "-inf", ceiling, "BYSCORE", "LIMIT", 0, limit)
            ).array?.compactMap(\.string) ?? []
        guard !tags.isEmpty else { return RestoreOutcome() }
        let values = try await redis.send(RedisCommand("HMGET", [keys.unacked] + tags)).array ?? []
        let failure = TaskFailure.poison(deliveries: maxDeliveries)
        var arguments: [any RedisArgument] = [ceiling, maxDeliveries, Int(deliveryCountLifetime.seconds)]
        var entryKeys: [String] = []
        var candidates: [RestoreOutcome.Poisoned?] = []
        for (tag, value) in zip(tags, values) {
            // Unused keys of an entry are the unacked hash itself: the script never writes them.
            guard let stored = value.bytes else {
                // Gone: only the dangling index entry is dropped.
                arguments += [tag, "", "", ""]
                entryKeys += [keys.unacked, keys.unacked, keys.unacked, ""]
                candidates.append(nil)
                continue
            }
            guard let restored = Self.restoredMessage(fromUnacked: stored) else {
                // Unreadable (no queue to put it back on): "restored" into a dead-letter list of its
                // own, so it can be looked at, and so it never again fills the window this reads.
                let letter = DeadLetter(
                    error: "an unacknowledged entry that cannot be read back as [message, exchange, routing_key]",
                    reason: .badMessage,
                    failedAt: now,
                    queue: Self.unreadableQueue,
                    message: stored
                )
                arguments += [tag, stored, letter.encoded(), "-"]
                entryKeys += [keys.dead(queue: Self.unreadableQueue), keys.unacked, keys.unacked, ""]
                candidates.append(nil)
                continue
            }
            let envelope = restored.envelope
            var letter: [UInt8] = []
            var counter = keys.unacked
            if let deliveryTag = envelope.deliveryTag {
                counter = keys.deliveries(tag: deliveryTag)
                letter = DeadLetter(
                    error: failure.description,
                    reason: .poison,
                    failedAt: now,
                    queue: restored.queue,
                    message: envelope.bytes
                )
                .encoded()
            }
            arguments += [tag, stored, envelope.redelivered().bytes, letter]
            entryKeys += [
                keys.list(queue: restored.queue, priority: envelope.priority), keys.dead(queue: restored.queue), counter,
                presenceKey(envelope.id),
            ]
            candidates.append(RestoreOutcome.Poisoned(envelope: envelope, queue: restored.queue, deliveries: maxDeliveries))
        }
        let reply = try await redis.evaluate(
            QueueScripts.restore,
            keys: [keys.unacked, keys.unackedIndex, keys.unackedMutex] + entryKeys,
            arguments: arguments
        )
        guard let counts = reply.array, let restored = counts.first?.int else { return RestoreOutcome() }
        let poisoned = counts.dropFirst().compactMap { $0.int.flatMap { candidates.indices.contains($0 - 1) ? candidates[$0 - 1] : nil } }
        return RestoreOutcome(restored: restored, poisoned: poisoned)
    }

    /// The dead-letter list (`auditmate.dead.unreadable`) of `unacked` entries no restorer can read.
    public static let unreadableQueue = "unreadable"

    /// How long a message's count of unacknowledged deliveries is kept: long enough to span
    /// `maxDeliveries` visibility timeouts many times over, and at least a week.
    var deliveryCountLifetime: Duration {
        max(.seconds(7 * 86_400), visibilityTimeout * (maxDeliveries * 4))
    }

    /// Reads kombu's `[message, exchange, routing_key]` and returns the message as it was delivered,
    /// its queue and priority. The anonymous exchange routes by routing key, which is the queue name;
    /// nil for an entry that cannot be read back.
    static func restoredMessage(fromUnacked stored: [UInt8]) -> (envelope: TaskEnvelope, queue: String)? {
        guard let entry = try? JSONValue(parsing: stored), let parts = entry.array, parts.count == 3,
            let message = parts[0].object, let routingKey = parts[2].string
        else { return nil }
        return (TaskEnvelope(json: message), routingKey)
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
