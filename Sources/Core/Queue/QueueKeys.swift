/// The Redis keys of the queue engine. Queue lists and the ack bookkeeping use kombu's names (and its
/// `global_keyprefix`), so Python and Swift peers see the same queues and restore each other's
/// orphans; the keys only AuditMate uses live under `auditmate.`.
public struct QueueKeys: Sendable, Equatable {
    public let prefix: String

    /// kombu's default `priority_steps`; a message with priority p goes to the largest step <= p.
    public static let prioritySteps = [0, 3, 6, 9]
    /// kombu's `sep`, between a queue name and its priority step.
    public static let separator = "\u{06}\u{16}"

    public init(prefix: String = "") {
        self.prefix = prefix
    }

    public static func step(forPriority priority: Int) -> Int {
        prioritySteps.last { $0 <= priority } ?? 0
    }

    /// The list holding `queue`'s messages of `priority` (step 0 is the bare queue name).
    public func list(queue: String, priority: Int = 0) -> String {
        let step = Self.step(forPriority: priority)
        return step == 0 ? prefix + queue : prefix + queue + Self.separator + String(step)
    }

    /// All of a queue's lists, highest priority first.
    public func lists(queue: String) -> [String] {
        Self.prioritySteps.map { list(queue: queue, priority: $0) }
    }

    /// kombu's hash: delivery tag -> `[message, exchange, routing_key]`. AuditMate workers key their
    /// entries by a fresh tag per delivery (see `QueueScripts.fetch`).
    public var unacked: String { prefix + "unacked" }
    /// kombu's sorted set: delivery tag -> epoch seconds of the fetch (of the last lease renewal here).
    public var unackedIndex: String { prefix + "unacked_index" }
    /// kombu's lock around its restore of visible messages.
    public var unackedMutex: String { prefix + "unacked_mutex" }
    /// Sorted set of delayed delivery tags scored by due time (epoch seconds).
    public var delayed: String { prefix + "auditmate.delayed" }
    /// delivery tag -> `<target list key>\n<message>` for the delayed set.
    public var delayedMessages: String { prefix + "auditmate.delayed.messages" }
    /// Sorted set of worker identities scored by their last heartbeat.
    public var workers: String { prefix + "auditmate.workers" }
    /// Set of the queue names workers consume, for `inspect`.
    public var knownQueues: String { prefix + "auditmate.queues" }
    public var beatLeader: String { prefix + "auditmate.beat.leader" }

    /// The dead-letter list of `queue`.
    public func dead(queue: String) -> String { prefix + "auditmate.dead." + queue }

    /// How many times the message with kombu delivery tag `tag` (`properties.delivery_tag`, which
    /// survives restores) was put back after its lease expired unacknowledged; see
    /// `QueueScripts.restore`.
    public func deliveries(tag: String) -> String { prefix + "auditmate.deliveries." + tag }

    /// Present (holding the queue name) while a message of task `id` that an AuditMate producer
    /// published is waiting, running, delayed or retrying; deleted when the message is settled for
    /// good. Reconcilers look a task up here by id instead of reading every queue.
    public func presence(taskID id: String) -> String { prefix + "auditmate.presence." + id }

    /// A worker's heartbeat document.
    public func worker(_ identity: String) -> String { prefix + "auditmate.worker." + identity }

    /// The queue name of a list key made by `list(queue:priority:)`.
    public func queue(ofList key: String) -> String {
        var name = key.hasPrefix(prefix) ? String(key.dropFirst(prefix.count)) : key
        if let range = name.range(of: Self.separator) { name = String(name[..<range.lowerBound]) }
        return name
    }
}
