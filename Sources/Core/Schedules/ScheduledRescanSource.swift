import Foundation

/// Beat's source of the organizations' schedules: each due schedule is one slot, claimed under
/// `schedule:<id>` and dispatched by `ScheduleService.dispatch` in the claiming transaction.
public struct ScheduledRescanSource: ScheduleSource {
    public let schedules: ScheduleService

    public init(schedules: ScheduleService) {
        self.schedules = schedules
    }

    public func dueSlots(at now: Date) async throws -> [DueSlot] {
        let schedules = self.schedules
        return try await schedules.due(at: now).map { due in
            DueSlot(
                schedule: Schedule.beatEntry(due.id),
                slot: due.slot,
                dispatch: .transaction { connection, taskID in
                    // The task id is UUID-shaped and the same in every beat, so it names the slot's audit.
                    try await schedules.dispatch(
                        due.id,
                        slot: due.slot,
                        now: now,
                        auditID: UUID(uuidString: taskID) ?? UUID(),
                        on: connection
                    )
                }
            )
        }
    }
}
