import Core
import Foundation
import Logging
import TestSupport
import Testing

@testable import AuditWorker

/// Beat dispatching the organizations' schedules: one audit per due slot, never zero and never two,
/// with concurrent beats, a leader change, an outage and daylight-saving changes. Time is a value
/// the tests pass in (or a clock they move), never the wall clock.
@Suite("Scheduled rescans")
struct ScheduledRescanTests {
    static let start = Date(timeIntervalSince1970: 1_900_000_000)  // 2030-03-17T17:46:40Z

    @Test func concurrentBeatEvaluationsCreateExactlyOneAuditPerSlot() async throws {
        try await ScheduleBed.run { bed in
            var schedules: [Schedule] = []
            for _ in 0..<5 { schedules.append(try await bed.create("* * * * *", at: Self.start)) }
            let beats = (1...4).map { bed.beat("beat-\($0)") }
            var expected: Set<String> = []
            for minute in 1...5 {
                let now = Self.start.addingTimeInterval(Double(minute) * 60)
                // Every beat evaluates the same instant at the same time, as stale leaders would.
                let dispatched = try await withThrowingTaskGroup(of: [String].self) { group in
                    for beat in beats { group.addTask { try await beat.dispatchDue(now: now) } }
                    return try await group.reduce(into: []) { $0 += $1 }
                }
                #expect(dispatched.count == schedules.count, "minute \(minute): \(dispatched.count) dispatched")
                #expect(Set(dispatched).count == dispatched.count)
                let slot = Date(timeIntervalSince1970: (now.timeIntervalSince1970 / 60).rounded(.down) * 60)
                for schedule in schedules { expected.insert(ScheduleBed.key(schedule, slot)) }
            }
            let perSlot = try await bed.auditsPerSlot()
            #expect(Set(perSlot.keys) == expected)
            #expect(perSlot.values.allSatisfy { $0 == 1 }, "\(perSlot.filter { $0.value != 1 })")
            #expect(try await bed.scheduledAuditCount() == 25)
        }
    }

    @Test func aLeaderChangeMidRunNeitherSkipsNorRepeatsASlot() async throws {
        try await ScheduleBed.run { bed in
            let schedule = try await bed.create("* * * * *", at: Self.start)
            let clock = ManualClock(Self.start)
            // The first leader has Redis of its own, so the test can cut it off as a crash would: its
            // lease is neither renewed nor released, and the standby waits for it to expire.
            let doomedRedis = RedisClient(settings: TestEnvironment.redis, logger: bed.logger)
            let first = bed.beat("first", redis: doomedRedis, clock: clock, leaseTTL: .seconds(2))
            let standby = bed.beat("standby", clock: clock, leaseTTL: .seconds(2))
            #expect(try await first.lease.acquireOrRenew(), "the first beat leads from the start")

            try await withThrowingTaskGroup(of: Void.self) { group in
                let firstRun = Task { try await first.run() }
                group.addTask { try await standby.run() }
                var slots: [Date] = []
                for minute in 1...6 {
                    let slot = Self.start.addingTimeInterval(Double(minute) * 60).roundedDownToMinute
                    slots.append(slot)
                    if minute == 4 {
                        // The leader dies while slot 4 is due: whether or not it dispatched it, the
                        // standby must not dispatch it again, nor miss it.
                        clock.set(slot.addingTimeInterval(1))
                        try await doomedRedis.close()
                        firstRun.cancel()
                    } else {
                        clock.set(slot.addingTimeInterval(1))
                    }
                    try await eventually(timeout: .seconds(20), "slot \(minute) was not dispatched") {
                        try await bed.auditsPerSlot()[ScheduleBed.key(schedule, slot)] != nil
                    }
                }
                let perSlot = try await bed.auditsPerSlot()
                #expect(perSlot == Dictionary(uniqueKeysWithValues: slots.map { (ScheduleBed.key(schedule, $0), 1) }))
                // Eventually, not at once: on a loaded machine a 2 s lease can lapse between two of
                // the standby's ticks, and the standby takes it again on the next one.
                try await eventually(timeout: .seconds(10), "the standby leads") {
                    try await standby.lease.holder() == "standby"
                }
                group.cancelAll()
            }
        }
    }

    @Test func afterAnOutageAScheduleRunsOnceNotOncePerMissedSlot() async throws {
        try await ScheduleBed.run { bed in
            let schedule = try await bed.create("*/15 * * * *", at: Self.start)
            let firstSlot = try #require(schedule.nextRunAt)
            let beat = bed.beat("beat")
            // Three hours without a beat: twelve slots missed.
            let recovery = firstSlot.addingTimeInterval(3 * 3_600 + 20)
            #expect(try await beat.dispatchDue(now: recovery).count == 1)
            #expect(try await beat.dispatchDue(now: recovery.addingTimeInterval(1)).isEmpty)
            #expect(try await bed.scheduledAuditCount() == 1)
            let reloaded = try await bed.reload(schedule)
            let nextSlot = firstSlot.addingTimeInterval(3 * 3_600 + 15 * 60)
            #expect(reloaded.nextRunAt == nextSlot, "the first slot after the recovery, not a missed one")
            #expect(reloaded.lastRunAt == recovery)
            #expect(try await bed.auditsPerSlot() == [ScheduleBed.key(schedule, firstSlot): 1])
            #expect(try await beat.dispatchDue(now: nextSlot).count == 1)
            #expect(try await bed.scheduledAuditCount() == 2)
            // The security log names beat, not a user, as who started them.
            let actors = try await TestDatabase.withConnection(bed.database) { connection in
                let rows = try await connection.query(
                    "SELECT actor_system, actor_id FROM audit_log WHERE action = 'audit.scheduled'",
                    logger: bed.logger
                )
                var found: [(String?, UUID?)] = []
                for try await row in rows.decode((String?, UUID?).self) { found.append(row) }
                return found
            }
            #expect(actors.count == 2)
            #expect(actors.allSatisfy { $0.0 == "beat" && $0.1 == nil })
        }
    }

    @Test func daylightSavingChangesRunEachSlotOnce() async throws {
        try await ScheduleBed.run { bed in
            let beat = bed.beat("beat")
            func date(_ text: String) throws -> Date { try #require(ISO8601DateFormatter().date(from: text)) }

            // Spring forward in Berlin: 02:30 does not exist on 30 March 2025; it runs at 03:00 CEST.
            let spring = try await bed.create("30 2 * * *", timezone: "Europe/Berlin", at: try date("2025-03-29T12:00:00Z"))
            #expect(spring.nextRunAt == (try date("2025-03-30T01:00:00Z")))
            #expect(try await beat.dispatchDue(now: try date("2025-03-30T00:59:59Z")).isEmpty)
            #expect(try await beat.dispatchDue(now: try date("2025-03-30T01:00:00Z")).count == 1)
            #expect(try await beat.dispatchDue(now: try date("2025-03-30T01:30:00Z")).isEmpty, "not again at 03:30 CEST")
            #expect(try await bed.reload(spring).nextRunAt == (try date("2025-03-31T00:30:00Z")))
            // Paused, so that its daily slots stay out of the autumn half.
            _ = try await bed.schedules.update(bed.principal, id: spring.id, ScheduleChanges(enabled: false), ip: "")

            // Fall back in New York: 01:30 happens twice on 2 November 2025; it runs at the first.
            let autumn = try await bed.create("30 1 * * *", timezone: "America/New_York", at: try date("2025-11-01T12:00:00Z"))
            #expect(autumn.nextRunAt == (try date("2025-11-02T05:30:00Z")))
            #expect(try await beat.dispatchDue(now: try date("2025-11-02T05:30:10Z")).count == 1)
            #expect(try await beat.dispatchDue(now: try date("2025-11-02T06:30:10Z")).isEmpty, "01:30 EST, the repeat, does not run")
            #expect(try await bed.reload(autumn).nextRunAt == (try date("2025-11-03T06:30:00Z")))

            let perSlot = try await bed.auditsPerSlot()
            #expect(
                perSlot == [
                    ScheduleBed.key(spring, try date("2025-03-30T01:00:00Z")): 1,
                    ScheduleBed.key(autumn, try date("2025-11-02T05:30:00Z")): 1,
                ]
            )
        }
    }

    @Test func anEditRacingWithBeatNeverBringsBackASlotThatRan() async throws {
        try await ScheduleBed.run { bed in
            let schedule = try await bed.create("0 * * * *", at: Self.start)
            let slot = try #require(schedule.nextRunAt)
            let beat = bed.beat("beat")
            #expect(try await beat.dispatchDue(now: slot).count == 1)
            // An edit computed with a clock behind beat's (another machine) would pick the same slot
            // again; the last slot that ran is the floor.
            let edited = try await bed.schedules.update(
                bed.principal,
                id: schedule.id,
                ScheduleChanges(cron: "0,30 * * * *"),
                ip: "",
                now: slot.addingTimeInterval(-60)
            )
            #expect(edited.nextRunAt == slot.addingTimeInterval(30 * 60))
            #expect(try await beat.dispatchDue(now: slot.addingTimeInterval(5)).isEmpty)
            #expect(try await bed.scheduledAuditCount() == 1)

            // A slot read before an edit is not dispatched after it: the edit decided the next slot.
            let due = try await ScheduledRescanSource(schedules: bed.schedules).dueSlots(at: slot.addingTimeInterval(30 * 60))
            #expect(due.count == 1)
            _ = try await bed.schedules.update(bed.principal, id: schedule.id, ScheduleChanges(enabled: false), ip: "")
            let store = BeatSlotStore(postgres: bed.infrastructure.postgres, logger: bed.logger)
            #expect(try await store.claim(due[0], owner: "stale", publish: { _ in }) == nil)
            #expect(try await bed.scheduledAuditCount() == 1)
        }
    }
}

extension Date {
    var roundedDownToMinute: Date { Date(timeIntervalSince1970: (timeIntervalSince1970 / 60).rounded(.down) * 60) }
}
