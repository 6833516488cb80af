import Foundation
import Logging

/// The queue engine's Redis side: publishing, atomic fetch with kombu-compatible ack bookkeeping,
/// leases, acknowledgements and the moves that replace a message by its successor (retry, delay,
/// dead letter, return on shutdown), each one atomic script.
///
/// At-least-once: from the moment a message is popped until it is acknowledged it is recorded in
/// `unacked`, so a worker killed at any instant leaves it there for `restoreExpired` to put back.
/// Each published task id also has a presence key (`QueueKeys.presence`) until its message is
/// settled for good, so a reconciler can ask whether a task is still queued without reading queues.
public struct QueueBroker: Sendable {
    public let redis: RedisClient
    public let keys: QueueKeys
    public let visibilityTimeout: Duration
    /// Deliveries without acknowledgement after which a message is poison (`QUEUE_MAX_DELIVERIES`).
    public let maxDeliveries: Int

    /// How long a presence key outlives its message's due time. Presence keys are deleted when the
    /// message is settled, but a Python worker settles without knowing of them; the expiry bounds
    /// those, and a message still waiting after a day is merely published again by a reconciler.
    public static let presenceLifetime: Duration = .seconds(86_400)

    public init(redis: RedisClient, settings: QueueSettings) {
        self.redis = redis
        self.keys = QueueKeys(prefix: settings.keyPrefix)
        self.visibilityTimeout = settings.visibilityTimeout
        self.maxDeliveries = settings.maxDeliveries
    }

    // MARK: Producing

    /// Publishes with one `LPUSH` onto the list for the message's routing key and priority, as kombu
    /// does, and marks its task id present in the same atomic step.
    public func publish(_ envelope: TaskEnvelope) async throws {
        try await publish([envelope])
    }

    /// Publishes many messages in one round trip and one atomic script (still one `LPUSH` each).
    public func publish(_ envelopes: [TaskEnvelope]) async throws {
        guard !envelopes.isEmpty else { return }
        var keys: [String] = []
        var arguments: [any RedisArgument] = []
        keys.reserveCapacity(envelopes.count * 2)
        arguments.reserveCapacity(envelopes.count * 3)
        for envelope in envelopes {
            let queue = envelope.routingKey ?? "celery"
            keys += [self.keys.list(queue: queue, priority: envelope.priority), presenceKey(envelope.id)]
            arguments += [envelope.bytes, queue, presenceSeconds(until: envelope.eta)]
        }
        try await redis.evaluate(QueueScripts.publish, keys: keys, arguments: arguments)
    }

    /// Whole seconds a presence key lives for a message due at `due` (now when nil).
    func presenceSeconds(until due: Date?) -> Int {
        let wait = max(due?.timeIntervalSinceNow ?? 0, 0)
        return Int((Self.presenceLifetime.seconds + wait).rounded(.up))
    }

    /// The presence key of a task, or '' (the scripts' "none") when its id is not known (a delivery
    /// not parsed yet, a message without `headers.id`).
    func presenceKey(_ taskID: String?) -> String {
        guard let taskID, !taskID.isEmpty else { return "" }
        return keys.presence(taskID: taskID)
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

    /// Acknowledges deliveries, deleting the presence keys of those whose task id is known. Returns,
    /// per delivery, whether this lease still held it; false means the message was redelivered
    /// elsewhere after this worker lost its lease.
    @discardableResult
    public func ack(_ deliveries: [Delivery]) async throws -> [Bool] {
        guard !deliveries.isEmpty else { return [] }
        let reply = try await redis.evaluate(
            QueueScripts.ack,
            keys: [keys.unacked, keys.unackedIndex] + deliveries.map { presenceKey($0.taskID) },
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
    /// what a worker does with unfinished work when it shuts down. Not a failed delivery: it never
    /// counts towards `maxDeliveries`.
    @discardableResult
    public func returnToQueue(_ delivery: Delivery, envelope: TaskEnvelope?) async throws -> Bool {
        let message = envelope?.redelivered().bytes ?? delivery.raw
        let list = keys.list(queue: delivery.queue, priority: envelope?.priority ?? 0)
        return try await settle(delivery, action: .front, target: list, value: message, presence: .keep)
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
                action: .back,
                target: keys.list(queue: delivery.queue, priority: retry.priority),
                value: retry.bytes,
                presence: .renew(taskID: retry.id, seconds: presenceSeconds(until: nil))
            )
        }
        return try await settle(delivery, delayed: retry, queue: delivery.queue, due: due)
    }

    /// Moves the delivery to its queue's dead-letter list with `letter`, acknowledging it in one step.
    @discardableResult
    public func deadLetter(_ delivery: Delivery, letter: DeadLetter) async throws -> Bool {
        var delivery = delivery
        delivery.taskID = delivery.taskID ?? letter.taskID
        return try await settle(
            delivery,
            action: .back,
            target: keys.dead(queue: delivery.queue),
            value: letter.encoded(),
            presence: .drop
        )
    }

    /// Acknowledges one delivery (if its lease still holds) without publishing anything.
    @discardableResult
    public func drop(_ delivery: Delivery) async throws -> Bool {
        try await ack([delivery]).first ?? false
    }

    /// What a settling move does with the task's presence key.
    private enum PresenceChange {
        /// The message lives on (returned to its queue).
        case keep
        /// The message is done (dead-lettered).
        case drop
        /// The message lives on as `taskID`'s successor (a retry or a delayed run) for `seconds`.
        case renew(taskID: String, seconds: Int)
    }

    private func settle(_ delivery: Delivery, delayed envelope: TaskEnvelope, queue: String, due: Date) async throws -> Bool {
        let list = keys.list(queue: queue, priority: envelope.priority)
        let member = envelope.deliveryTag ?? TaskEnvelope.newID()
        return try await redis.evaluate(
            QueueScripts.settle,
            keys: [keys.unacked, keys.unackedIndex, presenceKey(envelope.id), keys.delayed, keys.delayedMessages],
            arguments: [
                delivery.tag, QueueScripts.SettleAction.delay.rawValue, Array(list.utf8) + [0x0A] + envelope.bytes,
                presenceSeconds(until: due), queue,
                Self.score(due), member,
            ]
        ).int == 1
    }

    private func settle(
        _ delivery: Delivery,
        action: QueueScripts.SettleAction,
        target: String,
        value: [UInt8],
        presence: PresenceChange
    ) async throws
        -> Bool
    {
        let (key, change): (String, any RedisArgument) =
            switch presence {
            case .keep: (presenceKey(delivery.taskID), QueueScripts.PresenceMarker.keep.rawValue)
            case .drop: (presenceKey(delivery.taskID), QueueScripts.PresenceMarker.drop.rawValue)
            case .renew(let taskID, let seconds): (presenceKey(taskID), seconds)
            }
        return try await redis.evaluate(
            QueueScripts.settle,
            keys: [keys.unacked, keys.unackedIndex, key, target],
            arguments: [delivery.tag, action.rawValue, value, change, delivery.queue]
        ).int == 1
    }

    /// Epoch seconds with microseconds, the score format kombu writes (`time()`).
    static func score(_ date: Date) -> String {
        String(format: "%.6f", date.timeIntervalSince1970)
    }
}
