import Foundation
import PostgresNIO

/// One slot of one schedule entry that is due: beat claims it in PostgreSQL, then dispatches it.
public struct DueSlot: Sendable {
    /// What dispatching the slot means.
    public enum Dispatch: Sendable {
        /// Publish a message. It is published inside the claiming transaction, so a failed publish
        /// leaves the slot unclaimed for the next tick. The task id is derived from (schedule, slot)
        /// so that a duplicate dispatch is recognisable as the same task.
        case message(@Sendable (_ taskID: String) throws -> TaskEnvelope)
        /// Write rows on the claiming transaction's connection, so the claim and its effects commit
        /// together or not at all. The returned follow-up runs after the commit (e.g. publishing
        /// work whose row was written, which a reconciler would publish anyway if it failed); nil
        /// means the slot was used up without dispatching anything (a recorded skip). Throwing
        /// `DueSlot.Superseded` rolls the claim back and dispatches nothing.
        case transaction(@Sendable (_ connection: PostgresConnection, _ taskID: String) async throws -> FollowUp?)
    }

    public typealias FollowUp = @Sendable () async -> Void

    /// Thrown by a `.transaction` dispatch when the entry changed since the slot was read (edited,
    /// disabled, deleted): the claim is rolled back and nothing runs for this slot.
    public struct Superseded: Error, Sendable {
        public init() {}
    }

    /// The schedule entry's stable name (the claim key), e.g. `schedule:<id>`.
    public var schedule: String
    /// The slot's nominal time: the claim is per (schedule, slot).
    public var slot: Date
    public var dispatch: Dispatch

    public init(schedule: String, slot: Date, dispatch: Dispatch) {
        self.schedule = schedule
        self.slot = slot
        self.dispatch = dispatch
    }

    /// A slot that publishes the message `message` builds.
    public init(schedule: String, slot: Date, message: @escaping @Sendable (_ taskID: String) throws -> TaskEnvelope) {
        self.init(schedule: schedule, slot: slot, dispatch: .message(message))
    }
}

/// Where beat learns what is due: the organizations' rescan schedules, system jobs, tests. Missed
/// slots are not replayed: a source reports one due slot per entry, however many were missed.
public protocol ScheduleSource: Sendable {
    func dueSlots(at now: Date) async throws -> [DueSlot]
}

/// Entries that run every fixed interval, slots aligned to the Unix epoch (every 60 s = each minute
/// on the minute), so every beat process computes the same slots.
public struct IntervalScheduleSource: ScheduleSource {
    public struct Entry: Sendable {
        public var name: String
        public var every: Duration
        /// What the slot starting at the given instant dispatches.
        public var dispatch: @Sendable (_ slot: Date) -> DueSlot.Dispatch

        public init(name: String, every: Duration, dispatch: @escaping @Sendable (_ slot: Date) -> DueSlot.Dispatch) {
            self.name = name
            self.every = every
            self.dispatch = dispatch
        }

        public init(name: String, every: Duration, message: @escaping @Sendable (_ taskID: String, _ slot: Date) throws -> TaskEnvelope) {
            self.init(name: name, every: every) { slot in .message { taskID in try message(taskID, slot) } }
        }

        /// An entry whose work is SQL run in the transaction that claims its slot, by the beat
        /// leader itself: it happens once per slot, and needs no queue or worker.
        public static func transaction(
            _ name: String,
            every: Duration,
            _ body: @escaping @Sendable (_ connection: PostgresConnection, _ slot: Date) async throws -> Void
        ) -> Entry {
            Entry(name: name, every: every) { slot in
                .transaction { connection, _ in
                    try await body(connection, slot)
                    return {}
                }
            }
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
            return DueSlot(schedule: entry.name, slot: slot, dispatch: entry.dispatch(slot))
        }
    }
}
