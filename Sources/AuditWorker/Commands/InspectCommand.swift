import ArgumentParser
import Core
import Foundation
import Logging

extension AuditWorkerCommand {
    struct Inspect: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show workers (alive, last heartbeat, active tasks) and queues (ready per priority, unacked, delayed, dead)."
        )

        @Option(help: "Comma-separated queues to show besides the ones workers registered.")
        var queues: String?

        func run() async throws {
            let config = Startup.configuration()
            await Startup.run {
                try await QueueAdmin.with(config: config) { broker in
                    print(try await InspectReport.render(broker: broker, extraQueues: queues?.split(separator: ",").map(String.init) ?? []))
                }
            }
        }
    }
}

/// The text `AuditWorker inspect` prints.
enum InspectReport {
    static func render(broker: QueueBroker, extraQueues: [String], now: Date = Date()) async throws -> String {
        var lines: [String] = []
        let (alive, gone) = try await broker.workers()
        lines.append("workers: \(alive.count) alive, \(gone.count) gone")
        for worker in alive.sorted(by: { $0.identity < $1.identity }) {
            let age = String(format: "%.1f", now.timeIntervalSince1970 - worker.heartbeatAt)
            let counters = worker.counters.keys.sorted().map { "\($0)=\(worker.counters[$0]!)" }.joined(separator: " ")
            lines.append(
                "  \(worker.identity) alive, last heartbeat \(age)s ago, queues \(worker.queues.joined(separator: ",")), "
                    + "concurrency \(worker.concurrency), active \(worker.active.count)" + (counters.isEmpty ? "" : ", \(counters)")
            )
            for task in worker.active.sorted(by: { $0.startedAt < $1.startedAt }) {
                let runtime = String(format: "%.1f", now.timeIntervalSince1970 - task.startedAt)
                lines.append("    \(task.id) \(task.task) on \(task.queue), running \(runtime)s")
            }
        }
        for worker in gone {
            let age = String(format: "%.0f", now.timeIntervalSince1970 - worker.lastSeen)
            lines.append("  \(worker.identity) gone, last heartbeat \(age)s ago")
        }
        let declared = TaskRegistry.declarations.map(\.queue)
        let queues = try await broker.knownQueues(including: extraQueues + declared)
        lines.append("queues:")
        for depth in try await broker.depths(queues: queues) {
            let ready = QueueKeys.prioritySteps.map { "p\($0)=\(depth.ready[$0] ?? 0)" }.joined(separator: " ")
            lines.append(
                "  \(depth.queue): ready \(depth.readyTotal) (\(ready)), unacked \(depth.unacked), delayed \(depth.delayed), dead \(depth.dead)"
            )
        }
        return lines.joined(separator: "\n")
    }
}

/// Runs an administrative command against the queues with a Redis client of its own.
enum QueueAdmin {
    static func with<Value: Sendable>(config: AppConfig, _ body: (QueueBroker) async throws -> Value) async throws -> Value {
        var logger = Logger(label: "auditmate.admin")
        logger.logLevel = .error
        let redis = RedisClient(settings: config.redis, logger: logger)
        do {
            let value = try await body(QueueBroker(redis: redis, settings: config.queue))
            try? await redis.close()
            return value
        } catch {
            try? await redis.close()
            throw error
        }
    }
}
