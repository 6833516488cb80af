import Core
import Foundation
import Logging
import TestSupport
import Testing

@testable import AuditWorker

@Suite("Beat")
struct BeatTests {
    @Test func oneLeaderAndEachSlotDispatchedOnceAcrossALeaderChange() async throws {
        try await TestDatabase.withMigrated { database in
            let config = try TestEnvironment.config(database: database)
            try await withQueueTestKit(database: database) { kit in
                var logger = Logger(label: "tests.beat")
                logger.logLevel = .critical
                try await Infrastructure.withRunning(config: config, applicationName: "beat-test", logger: logger) { infrastructure in
                    let source = IntervalScheduleSource(entries: [
                        .task("test-ping", every: .seconds(60), payload: PingTask(), producer: kit.producer, queue: "beat")
                    ])
                    func beat(_ owner: String) -> BeatService {
                        BeatService(
                            lease: BeatLease(redis: kit.redis, keys: kit.broker.keys, owner: owner, ttl: .seconds(30)),
                            slots: BeatSlotStore(postgres: infrastructure.postgres, logger: logger),
                            broker: kit.broker,
                            sources: [source],
                            logger: logger
                        )
                    }
                    let first = beat("first:1")
                    let second = beat("second:2")
                    #expect(try await first.lease.acquireOrRenew())
                    #expect(try await second.lease.acquireOrRenew() == false)
                    #expect(try await first.lease.acquireOrRenew(), "the owner renews")

                    // Ten seconds into a minute, so `now + 1 s` is still the same one-minute slot.
                    let now = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 / 60).rounded(.down) * 60 + 10)
                    let dispatched = try await first.dispatchDue(now: now)
                    #expect(dispatched.count == 1)
                    // Even a second process evaluating the same slot (a stale leader) cannot dispatch it again.
                    #expect(try await second.dispatchDue(now: now).isEmpty)

                    try await first.lease.release()
                    #expect(try await second.lease.acquireOrRenew(), "the standby takes over")
                    #expect(try await first.lease.acquireOrRenew() == false)
                    #expect(try await second.dispatchDue(now: now.addingTimeInterval(1)).isEmpty, "same slot after the change")
                    let next = try await second.dispatchDue(now: now.addingTimeInterval(60))
                    #expect(next.count == 1)

                    let messages = try await kit.redis.send("LRANGE", kit.prefix + "beat", 0, -1).array ?? []
                    let ids = try messages.compactMap(\.bytes).map { try TaskEnvelope(parsing: $0).id }
                    #expect(Set(ids) == Set(dispatched + next))
                    #expect(ids.count == 2)
                    let claims = try await TestDatabase.withConnection(database) { connection in
                        var rows: [String] = []
                        for try await (schedule, owner) in try await connection.query(
                            "SELECT schedule, dispatched_by FROM beat_slots",
                            logger: logger
                        )
                        .decode((String, String).self) {
                            rows.append("\(schedule) \(owner)")
                        }
                        return rows
                    }
                    #expect(claims == ["test-ping second:2"])
                }
            }
        }
    }
}
