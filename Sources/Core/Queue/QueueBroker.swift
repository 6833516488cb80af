import Foundation
import Logging

/// The queue engine's Redis side: publishing, atomic fetch with kombu-compatible ack bookkeeping,
/// leases, acknowledgements and the moves that replace a message by its successor (retry, delay,
/// dead letter, return on shutdown), each one atomic script.
///
/// At-least-once: from the moment a message is popped until it is acknowledged it is recorded in
/// `unacked`, so a worker killed at any instant leaves it there for `restoreExpired` to put back.
public struct QueueBroker: Sendable {
    public let redis: RedisClient
    public let keys: QueueKeys
    public let visibilityTimeout: Duration

    public init(redis: RedisClient, settings: QueueSettings) {
        self.redis = redis
        self.keys = QueueKeys(prefix: settings.keyPrefix)
        self.visibilityTimeout = settings.visibilityTimeout
    }

    // MARK: Producing

    /// Publishes with one `LPUSH` onto the list for the message's routing key and priority, as kombu does.
    public func publish(_ envelope: TaskEnvelope) async throws {
        try await redis.send(publishCommand(envelope))
    }

    /// Publishes many messages in one round trip (still one `LPUSH` each).
    public func publish(_ envelopes: [TaskEnvelope]) async throws {
        let replies = try await redis.pipeline(envelopes.map(publishCommand))
        if let failure = replies.first(where: { if case .error = $0 { true } else { false } }), case .error(let message) = failure {
            throw RedisError.server(message)
        }
    }

    func publishCommand(_ envelope: TaskEnvelope) -> RedisCommand {
        RedisCommand("LPUSH", keys.list(queue: envelope.routingKey ?? "celery", priority: envelope.priority), envelope.bytes)
    }

    // MARK: Consuming

    /// Takes up to `count` messages from `queues` (highest priority step first, queues in the given
    /// order within a step) and records them as unacknowledged, in one atomic step.
    /// `leaseBase` must never repeat (worker identity, a random part and a counter): it makes the
    /// delivery tags.
    public func fetch(queues: [String], count: Int, leaseBase: String) async throws -> [Delivery] {
        guard count > 0, !queues.isEmpty else { return [] }
        var lists: [String] = []
        var names: [String] = []
        for step in QueueKeys.prioritySteps {
            for queue in queues {
                lists.append(keys.list(queue: queue, priority: step))
                names.append(queue)
            }
        }
        let now = Date()
        let reply = try await redis.evaluate(
            QueueScripts.fetch,
            keys: [keys.unacked, keys.unackedIndex] + lists,
            arguments: [count, Self.score(now), CeleryTime.format(now), leaseBase, keys.prefix] + names
        )
        guard let items = reply.array, items.count % 3 == 0 else {
            throw RedisError.unexpectedReply("fetch script returned \(reply)")
        }
        var deliveries: [Delivery] = []
        deliveries.reserveCapacity(items.count / 3)
        for index in stride(from: 0, to: items.count, by: 3) {
            guard let raw = items[index].bytes, let tag = items[index + 1].string,
                let position = items[index + 2].string.flatMap({ Int($0) }), names.indices.contains(position - 1)
            else {
                throw RedisError.unexpectedReply("fetch script returned a malformed delivery")
            }
            deliveries.append(Delivery(raw: raw, tag: tag, queue: names[position - 1]))
        }
        return deliveries
    }

    /// Acknowledges deliveries. Returns, per delivery, whether this lease still held
    /// it; false means the message was redelivered elsewhere after this worker lost its lease.
    @discardableResult
    public func ack(_ deliveries: [Delivery]) async throws -> [Bool] {
        guard !deliveries.isEmpty else { return [] }
        let reply = try await redis.evaluate(
            QueueScripts.ack,
            keys: [keys.unacked, keys.unackedIndex],
            arguments: deliveries.map(\.tag)
        )
        return (reply.array ?? []).map { $0.int == 1 }
    }

    /// Renews the leases of held deliveries: their `unacked_index` score becomes now, which every
    /// restorer (ours and kombu's) reads as "fetched just now". `XX` never re-adds a settled tag.
    public func renewLeases(_ tags: [String]) async throws {
        let score = Self.score(Date())
        for chunk in stride(from: 0, to: tags.count, by: 500).map({ tags[$0..<min($0 + 500, tags.count)] }) {
            try await redis.send(RedisCommand("ZADD", [keys.unackedIndex, "XX"] + chunk.flatMap { [score, $0] as [any RedisArgument] }))
        }
    }

    /// Returns a held message to the front of its queue (redelivered, as kombu's restore marks it):
    /// what a worker does with unfinished work when it shuts down.
    @discardableResult
    public func returnToQueue(_ delivery: Delivery, envelope: TaskEnvelope?) async throws -> Bool {
        let message = envelope?.redelivered().bytes ?? delivery.raw
        let list = keys.list(queue: delivery.queue, priority: envelope?.priority ?? 0)
        return try await settle(delivery, action: "front", target: list, value: message)
    }

    /// Acknowledges the delivery and parks its message in the delayed set until `due`, in one step.
    @discardableResult
    public func delay(_ delivery: Delivery, envelope: TaskEnvelope, until due: Date) async throws -> Bool {
        try await settle(delivery, delayed: envelope, queue: delivery.queue, due: due)
    }

    /// Publishes `retry` (the next attempt, due at `due`) and acknowledges the failed delivery in one step.
    @discardableResult
    public func retry(_ delivery: Delivery, with retry: TaskEnvelope, due: Date) async throws -> Bool {
        if due.timeIntervalSinceNow <= 0 {
            return try await settle(
                delivery,
                action: "back",
                target: keys.list(queue: delivery.queue, priority: retry.priority),
                value: retry.bytes
            )
        }
        return try await settle(delivery, delayed: retry, queue: delivery.queue, due: due)
    }

    /// Moves the delivery to its queue's dead-letter list with `letter`, acknowledging it in one step.
    @discardableResult
    public func deadLetter(_ delivery: Delivery, letter: DeadLetter) async throws -> Bool {
        try await settle(delivery, action: "back", target: keys.dead(queue: delivery.queue), value: letter.encoded())
    }

    /// Acknowledges one delivery (if its lease still holds) without publishing anything.
    @discardableResult
    public func drop(_ delivery: Delivery) async throws -> Bool {
        try await ack([delivery]).first ?? false
    }

    private func settle(_ delivery: Delivery, delayed envelope: TaskEnvelope, queue: String, due: Date) async throws -> Bool {
        let list = keys.list(queue: queue, priority: envelope.priority)
        let member = envelope.deliveryTag ?? TaskEnvelope.newID()
        return try await redis.evaluate(
            QueueScripts.settle,
            keys: [keys.unacked, keys.unackedIndex, keys.delayed, keys.delayedMessages],
            arguments: [delivery.tag, "delay", Array(list.utf8) + [0x0A] + envelope.bytes, Self.score(due), member]
        ).int == 1
    }

    private func settle(_ delivery: Delivery, action: String, target: String, value: [UInt8]) async throws -> Bool {
        try await redis.evaluate(
            QueueScripts.settle,
            keys: [keys.unacked, keys.unackedIndex, target],
            arguments: [delivery.tag, action, value]
        ).int == 1
    }

    /// Epoch seconds with microseconds, the score format kombu writes (`time()`).
    static func score(_ date: Date) -> String {
        String(format: "%.6f", date.timeIntervalSince1970)
    }
}
