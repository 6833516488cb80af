import Core
import Foundation
import Logging
import TestSupport

@testable import AuditAPI

/// Helpers for the schedules tests: beat's evaluation of the schedules at a chosen instant (the
/// same Core source and slot claim the worker's beat uses, without waiting for the clock), and
/// reading the API's dates.
enum ScheduleTestSupport {
    /// One beat tick over the organizations' schedules at `now`: claims and dispatches every due
    /// slot; returns the ids of the audits created.
    static func beatTick(config: AppConfig, at now: Date) async throws -> [String] {
        var logger = Logger(label: "tests.schedules")
        logger.logLevel = .critical
        return try await Infrastructure.withRunning(config: config, applicationName: "schedules-test", logger: logger) { infrastructure in
            let broker = QueueBroker(redis: infrastructure.redis, settings: config.queue)
            let audits = AuditService(postgres: infrastructure.postgres, broker: broker, logger: logger)
            let schedules = ScheduleService(postgres: infrastructure.postgres, audits: audits, settings: config.scheduling, logger: logger)
            let store = BeatSlotStore(postgres: infrastructure.postgres, logger: logger)
            var dispatched: [String] = []
            for slot in try await ScheduledRescanSource(schedules: schedules).dueSlots(at: now) {
                if let id = try await store.claim(slot, owner: "schedules-test", publish: { try await broker.publish($0) }) {
                    dispatched.append(id)
                }
            }
            return dispatched
        }
    }

    static func date(_ value: Any?) -> Date? {
        guard let text = value as? String else { return nil }
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }

    /// The wall clock in `zone` at the instant the API wrote as `value`.
    static func wallClock(_ value: Any?, in zone: String) -> LocalDateTime? {
        guard let date = date(value), let zone = TimeZone(identifier: zone) else { return nil }
        return zone.wallClock(at: date)
    }
}
