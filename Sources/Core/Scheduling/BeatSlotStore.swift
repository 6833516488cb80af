import Crypto
import Foundation
import Logging
import PostgresNIO

/// Slot claims in PostgreSQL (`beat_slots`): claiming is one compare-and-set that advances an entry's
/// `last_slot` only if the new slot is later, so each slot is dispatched at most once across every
/// beat process and leader change. What the slot dispatches happens inside the claiming transaction
/// (see `DueSlot.Dispatch`), so a failed dispatch leaves the slot unclaimed for the next tick.
public struct BeatSlotStore: Sendable {
    public let postgres: PostgresClient
    public let logger: Logger

    public init(postgres: PostgresClient, logger: Logger) {
        self.postgres = postgres
        self.logger = logger
    }

    /// Claims `slot` and dispatches it in the same transaction: publishes its message through
    /// `publish`, or runs its `.transaction` body on the claiming connection (and its follow-up after
    /// the commit). Returns the task id when this call claimed and dispatched the slot; nil when it
    /// was already dispatched, the entry superseded it, or the entry skipped it.
    public func claim(_ slot: DueSlot, owner: String, publish: @Sendable (TaskEnvelope) async throws -> Void) async throws -> String? {
        let taskID = Self.taskID(schedule: slot.schedule, slot: slot.slot)
        let schedule = slot.schedule
        let when = slot.slot
        let followUp: DueSlot.FollowUp?
        do {
            followUp = try await postgres.transaction(logger: logger) { connection -> DueSlot.FollowUp? in
                let rows = try await connection.query(
                    """
                    INSERT INTO beat_slots (schedule, last_slot, dispatched_by, task_id)
                    VALUES (\(schedule), \(when), \(owner), \(taskID))
                    ON CONFLICT (schedule) DO UPDATE
                        SET last_slot = EXCLUDED.last_slot, dispatched_by = EXCLUDED.dispatched_by,
                            task_id = EXCLUDED.task_id, dispatched_at = now()
                        WHERE beat_slots.last_slot < EXCLUDED.last_slot
                    RETURNING task_id
                    """,
                    logger: logger
                )
                var claimed = false
                for try await _ in rows { claimed = true }
                guard claimed else { return nil }
                switch slot.dispatch {
                case .message(let message):
                    try await publish(try message(taskID))
                    return {}
                case .transaction(let body):
                    return try await body(connection, taskID)
                }
            }
        } catch is DueSlot.Superseded {
            return nil
        }
        guard let followUp else { return nil }
        await followUp()
        return taskID
    }

    /// Forgets an entry's claims, when the entry itself is deleted, on the caller's connection.
    public static func forget(schedule: String, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("DELETE FROM beat_slots WHERE schedule = \(schedule)", logger: logger)
    }

    /// A UUID-shaped id derived from (schedule, slot), the same in every process.
    public static func taskID(schedule: String, slot: Date) -> String {
        let digest = Array(SHA256.hash(data: Array("\(schedule)|\(CeleryTime.format(slot))".utf8)).prefix(16))
        let hex = Hex.encode(digest)
        let characters = Array(hex)
        return [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(characters[$0]) }.joined(separator: "-")
    }
}
