extension QueueBroker {
    /// Queues worth showing: the given ones, those workers registered, and the declared ones.
    public func knownQueues(including extra: [String] = []) async throws -> [String] {
        let registered = try await redis.send("SMEMBERS", keys.knownQueues).array?.compactMap(\.string) ?? []
        return Array(Set(registered + extra)).sorted()
    }

    /// Ready, unacknowledged, delayed and dead counts of each queue. Unacknowledged and delayed counts
    /// read every entry, so this is an operator's command, not a hot path.
    public func depths(queues: [String]) async throws -> [QueueDepth] {
        var commands: [RedisCommand] = []
        for queue in queues {
            commands += keys.lists(queue: queue).map { RedisCommand("LLEN", $0) }
            commands.append(RedisCommand("LLEN", keys.dead(queue: queue)))
        }
        let lengths = try await redis.pipeline(commands).map { $0.int ?? 0 }
        var unacked: [String: Int] = [:]
        for value in try await hashValues(keys.unacked) {
            if let parts = try? JSONValue(parsing: value).array, parts.count == 3, let queue = parts[2].string {
                unacked[queue, default: 0] += 1
            }
        }
        var delayed: [String: Int] = [:]
        for value in try await hashValues(keys.delayedMessages) {
            let list = String(decoding: value.prefix { $0 != 0x0A }, as: UTF8.self)
            delayed[keys.queue(ofList: list), default: 0] += 1
        }
        let stride = QueueKeys.prioritySteps.count + 1
        return queues.enumerated().map { position, queue in
            let base = position * stride
            var ready: [Int: Int] = [:]
            for (offset, step) in QueueKeys.prioritySteps.enumerated() { ready[step] = lengths[base + offset] }
            return QueueDepth(
                queue: queue,
                ready: ready,
                unacked: unacked[queue] ?? 0,
                delayed: delayed[queue] ?? 0,
                dead: lengths[base + stride - 1]
            )
        }
    }

    /// Ready messages of the given queues, all priorities: one cheap round trip, for metrics.
    public func readyCounts(queues: [String]) async throws -> [String: Int] {
        let commands = queues.flatMap { queue in keys.lists(queue: queue).map { RedisCommand("LLEN", $0) } }
        let lengths = try await redis.pipeline(commands).map { $0.int ?? 0 }
        let steps = QueueKeys.prioritySteps.count
        return Dictionary(uniqueKeysWithValues: queues.enumerated().map { ($1, lengths[$0 * steps..<($0 + 1) * steps].reduce(0, +)) })
    }

    /// Total entries in `unacked` and in the delayed set.
    public func pendingCounts() async throws -> (unacked: Int, delayed: Int) {
        let replies = try await redis.pipeline([RedisCommand("HLEN", keys.unacked), RedisCommand("ZCARD", keys.delayed)])
        return (replies[0].int ?? 0, replies[1].int ?? 0)
    }

    func hashValues(_ key: String) async throws -> [[UInt8]] {
        var cursor = "0"
        var values: [[UInt8]] = []
        repeat {
            let reply = try await redis.send("HSCAN", key, cursor, "COUNT", 500).array ?? []
            guard reply.count == 2 else { break }
            cursor = reply[0].string ?? "0"
            let fields = reply[1].array ?? []
            for index in Swift.stride(from: 1, to: fields.count, by: 2) {
                if let bytes = fields[index].bytes { values.append(bytes) }
            }
        } while cursor != "0"
        return values
    }
}
