import Core
import Foundation
import Logging
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Two real `AuditWorker beat` processes on one database and one Redis, the leader killed with SIGKILL.
@Suite("Scheduled rescans across beat processes")
struct ScheduledRescanProcessTests {
    @Test func twoBeatProcessesAndAKilledLeaderCreateOneAuditPerSlot() async throws {
        try await ScheduleBed.run { bed in
            // A yearly schedule: its slots come when the test writes them into next_run_at, so the
            // processes' real clocks decide nothing and no minute boundary matters.
            let schedule = try await bed.create("0 0 1 1 *", at: Date())
            func makeDue(_ slot: Date) async throws {
                try await TestDatabase.withConnection(bed.database) { connection in
                    try await connection.query("UPDATE schedules SET next_run_at = \(slot) WHERE id = \(schedule.id)", logger: bed.logger)
                }
            }
            let binary = TestEnvironment.binDirectory.appendingPathComponent("AuditWorker")
            let beats = try (0..<2).map { _ in try ChildProcess(binary, arguments: ["beat"], environment: bed.kit.environment) }
            try await withCleanup {
                try await eventually(timeout: .seconds(30), "no beat became the leader") {
                    beats.contains { $0.stderr.contains("beat: now the leader") }
                }

                let first = Date().addingTimeInterval(-300).roundedDownToMinute
                try await makeDue(first)
                try await eventually(timeout: .seconds(30), "the first slot was not dispatched") {
                    try await bed.auditsPerSlot()[ScheduleBed.key(schedule, first)] != nil
                }
                let holder = try #require(try await bed.kit.redis.send("GET", bed.kit.broker.keys.beatLeader).string)
                let leader = try #require(beats.first { holder.hasSuffix(":\($0.pid)") }, "leader \(holder)")
                let survivor = try #require(beats.first { $0.pid != leader.pid })
                leader.signal(SIGKILL)
                #expect(try await leader.waitForExit(timeout: .seconds(10)) == 128 + SIGKILL)

                // The killed leader never released its lease: the survivor takes over when it expires.
                let second = first.addingTimeInterval(120)
                try await makeDue(second)
                try await eventually(timeout: .seconds(40), "the survivor did not dispatch the second slot: \(survivor.stderr)") {
                    try await bed.auditsPerSlot()[ScheduleBed.key(schedule, second)] != nil
                }
                #expect(survivor.stderr.contains("beat: now the leader"))
                #expect(try await bed.auditsPerSlot() == [ScheduleBed.key(schedule, first): 1, ScheduleBed.key(schedule, second): 1])
                let claims = try await TestDatabase.withConnection(bed.database) { connection in
                    var owners: [String] = []
                    for try await owner in try await connection.query(
                        "SELECT dispatched_by FROM beat_slots WHERE schedule = \(Schedule.beatEntry(schedule.id))",
                        logger: bed.logger
                    )
                    .decode(String.self) {
                        owners.append(owner)
                    }
                    return owners
                }
                #expect(claims.count == 1)
                #expect(claims.first?.hasSuffix(":\(survivor.pid)") == true)
            } cleanup: {
                for beat in beats { await beat.terminate() }
            }
        }
    }
}
