import Core
import Foundation
import Logging
import PostgresNIO
import Synchronization
import TestSupport

@testable import AuditWorker

/// A clock the test moves by hand, shared by several beats.
final class ManualClock: Sendable {
    private let current: Mutex<Date>

    init(_ start: Date) {
        current = Mutex(start)
    }

    var now: Date { current.withLock { $0 } }

    func set(_ date: Date) {
        current.withLock { $0 = date }
    }
}

/// One organization with a GitHub integration and an ADMIN, the schedule service (minimum interval one
/// minute, so fast schedules are allowed) and beats over the organizations' schedules, on a database
/// and a queue prefix of the test's own.
struct ScheduleBed: Sendable {
    let infrastructure: Infrastructure
    let kit: QueueTestKit
    let schedules: ScheduleService
    let principal: Principal
    let database: DatabaseSettings
    let logger: Logger

    static func run<Value: Sendable>(_ body: @Sendable (ScheduleBed) async throws -> Value) async throws -> Value {
        return try await TestDatabase.withMigrated { database in
            let config = try TestEnvironment.config(database: database)
            return try await withQueueTestKit(database: database) { kit in
                var logger = Logger(label: "tests.schedules")
                logger.logLevel = .critical
                let organization = try await IdentityFixtures.organization(database: database)
                // Subscribed rather than trialing: the tests' clocks run years ahead, past any trial.
                try await TestDatabase.withConnection(database) { connection in
                    try await connection.query(
                        "UPDATE organizations SET subscription_status = 'active' WHERE id = \(organization)",
                        logger: Logger(label: "tests.schedules")
                    )
                }
                let user = try await IdentityFixtures.member(in: organization, role: .admin, database: database)
                _ = try await IdentityFixtures.integration(
                    in: organization,
                    token: "ghp_beat",
                    baseURL: config.github.apiURL,
                    fernetKeys: config.secrets.fernetKeys,
                    database: database
                )
                let principal = Principal(
                    userID: user,
                    email: "admin@example.com",
                    organizationID: organization,
                    role: .admin,
                    credential: .bearer(familyID: UUID()),
                    premiumAllowed: true
                )
                return try await Infrastructure.withRunning(config: config, applicationName: "schedules-test", logger: logger) {
                    infrastructure in
                    let audits = AuditService(postgres: infrastructure.postgres, broker: kit.broker, logger: logger)
                    let schedules = ScheduleService(
                        postgres: infrastructure.postgres,
                        audits: audits,
                        settings: SchedulingSettings(minimumInterval: .seconds(60)),
                        logger: logger
                    )
                    return try await body(
                        ScheduleBed(
                            infrastructure: infrastructure,
                            kit: kit,
                            schedules: schedules,
                            principal: principal,
                            database: database,
                            logger: logger
                        )
                    )
                }
            }
        }
    }

    /// A beat named `owner` over the organizations' schedules; `redis` lets a test cut one beat off.
    func beat(_ owner: String, redis: RedisClient? = nil, clock: ManualClock? = nil, leaseTTL: Duration = .seconds(30)) -> BeatService {
        var beat = BeatService(
            lease: BeatLease(redis: redis ?? kit.redis, keys: kit.broker.keys, owner: owner, ttl: leaseTTL),
            slots: BeatSlotStore(postgres: infrastructure.postgres, logger: logger),
            broker: kit.broker,
            sources: [ScheduledRescanSource(schedules: schedules)],
            logger: logger
        )
        beat.tick = .milliseconds(20)
        if let clock { beat.clock = { clock.now } }
        return beat
    }

    func create(_ cron: String, timezone: String = "UTC", at now: Date) async throws -> Schedule {
        try await schedules.create(principal, ScheduleChanges(name: "Rescan \(cron)", cron: cron, timezone: timezone), ip: "", now: now)
    }

    /// Scheduled audits as (schedule, slot) → how many audits each slot has.
    func auditsPerSlot() async throws -> [String: Int] {
        try await TestDatabase.withConnection(database) { connection in
            var counts: [String: Int] = [:]
            let rows = try await connection.query(
                """
                SELECT schedule_id, scheduled_for, count(*) FROM audits
                WHERE trigger = 'schedule' GROUP BY schedule_id, scheduled_for
                """,
                logger: logger
            )
            for try await (schedule, slot, count) in rows.decode((UUID?, Date?, Int).self) {
                counts["\(schedule?.uuidString.lowercased() ?? "none") \(slot.map(CeleryTime.format) ?? "none")"] = count
            }
            return counts
        }
    }

    func scheduledAuditCount() async throws -> Int {
        try await TestDatabase.withConnection(database) { connection in
            var total = 0
            for try await count in try await connection.query("SELECT count(*) FROM audits WHERE trigger = 'schedule'", logger: logger)
                .decode(Int.self)
            {
                total = count
            }
            return total
        }
    }

    func reload(_ schedule: Schedule) async throws -> Schedule {
        try await schedules.schedule(principal, id: schedule.id)
    }

    static func key(_ schedule: Schedule, _ slot: Date) -> String {
        "\(schedule.id.uuidString.lowercased()) \(CeleryTime.format(slot))"
    }
}
