import Foundation

/// One slot of one schedule entry that is due: beat claims it, then publishes its message.
public struct DueSlot: Sendable {
    /// The schedule entry's stable name (the claim key), e.g. `rescan:<organization>`.
    public var schedule: String
    /// The slot's nominal time: the claim is per (schedule, slot).
    public var slot: Date
    /// Builds the message for this slot; the task id is derived from (schedule, slot) so that a
    /// duplicate dispatch is recognisable as the same task.
    public var message: @Sendable (_ taskID: String) throws -> TaskEnvelope

    public init(schedule: String, slot: Date, message: @escaping @Sendable (_ taskID: String) throws -> TaskEnvelope) {
        self.schedule = schedule
        self.slot = slot
        self.message = message
    }
}

/// Where beat learns what is due: the organization schedules (a later issue), system jobs, tests.
/// Missed slots are not replayed: a source reports only the latest due slot of each entry.
public protocol ScheduleSource: Sendable {
    func dueSlots(at now: Date) async throws -> [DueSlot]
}

/// Entries that run every fixed interval, slots aligned to the Unix epoch (every 60 s = each minute
/// on the minute), so every beat process computes the same slots.
public struct IntervalScheduleSource: ScheduleSource {
    public struct Entry: Sendable {
        public var name: String
        public var every: Duration
        public var message: @Sendable (_ taskID: String, _ slot: Date) throws -> TaskEnvelope

        public init(name: String, every: Duration, message: @escaping @Sendable (_ taskID: String, _ slot: Date) throws -> TaskEnvelope) {
            self.name = name
            self.every = every
            self.message = message
        }

        /// An entry that enqueues `payload` through `producer`'s declaration of it.
        public static func task<Payload: TaskPayload>(
            _ name: String,
            every: Duration,
            payload: Payload,
            producer: TaskProducer,
            queue: String? = nil
        ) -> Entry {
            Entry(name: name, every: every) { taskID, _ in
                try producer.envelope(payload, options: .init(queue: queue, id: taskID))
            }
        }
    }

    public var entries: [Entry]

    public init(entries: [Entry]) {
        self.entries = entries
    }

    public func dueSlots(at now: Date) async throws -> [DueSlot] {
        entries.map { entry in
            let period = max(entry.every.seconds, 0.001)
            let slot = Date(timeIntervalSince1970: (now.timeIntervalSince1970 / period).rounded(.down) * period)
            return DueSlot(schedule: entry.name, slot: slot) { taskID in try entry.message(taskID, slot) }
        }
    }
}
