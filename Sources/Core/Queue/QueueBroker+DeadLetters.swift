extension QueueBroker {
    /// The dead letters of `queue`, oldest first, with their raw entries (for exact requeue/removal).
    public func deadLetters(queue: String, limit: Int = 100) async throws -> [(entry: [UInt8], letter: DeadLetter?)] {
        let reply = try await redis.send(RedisCommand("LRANGE", keys.dead(queue: queue), -limit, -1))
        return (reply.array ?? []).compactMap(\.bytes).reversed().map { ($0, DeadLetter(entry: $0)) }
    }

    public func deadLetterCount(queue: String) async throws -> Int {
        try await redis.send("LLEN", keys.dead(queue: queue)).int ?? 0
    }

    /// Puts every dead letter of `queue` that still holds a message back on the queue as a fresh run
    /// (retries reset, new delivery tag). Each move is atomic; entries without a readable message stay.
    public func requeueDeadLetters(queue: String, limit: Int = 10_000) async throws -> Int {
        var moved = 0
        for (entry, letter) in try await deadLetters(queue: queue, limit: limit) {
            guard let envelope = letter?.envelope else { continue }
            let fresh = envelope.requeued()
            let reply = try await redis.evaluate(
                QueueScripts.requeueDead,
                keys: [
                    keys.dead(queue: queue), keys.list(queue: queue, priority: fresh.priority),
                    presenceKey(fresh.id),
                ],
                arguments: [entry, fresh.bytes, queue, presenceSeconds(until: nil)]
            )
            moved += reply.int ?? 0
        }
        return moved
    }

    /// Deletes the dead-letter list of `queue`; returns how many entries it held.
    public func purgeDeadLetters(queue: String) async throws -> Int {
        let replies = try await redis.transaction([
            RedisCommand("LLEN", keys.dead(queue: queue)), RedisCommand("DEL", keys.dead(queue: queue)),
        ])
        return replies.first?.int ?? 0
    }
}
