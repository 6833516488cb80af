import ArgumentParser
import Core
import Foundation
import Logging

/// `AuditBenchmark`: the queue benchmark, a development tool of its own so that the production
/// `AuditWorker` binary carries none of it. It drives an `AuditWorker` process built beside it.
@main
struct BenchmarkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "AuditBenchmark",
        abstract: "Enqueue N no-op tasks, drain them with one AuditWorker process, and compare with raw Redis and Celery.",
        discussion: "Uses REDIS_URL under a fresh key prefix and removes its keys afterwards. Not a test: prints figures."
    )

    @Option(help: "Tasks to enqueue and drain.")
    var count: Int = 100_000

    @Option(help: "Task slots of the AuditWorker worker process.")
    var concurrency: Int = 8

    @Option(help: "A Python with celery installed (e.g. a virtualenv's bin/python); without it the Celery run is skipped.")
    var celeryPython: String?

    @Option(help: "Tasks for the Celery run (defaults to --count).")
    var celeryCount: Int?

    @Option(help: "The AuditWorker executable to drain with (defaults to the one beside this executable).")
    var worker: String?

    func validate() throws {
        guard count > 0 else { throw ValidationError("--count must be positive") }
        guard (1...1024).contains(concurrency) else { throw ValidationError("--concurrency must be from 1 to 1024") }
    }

    func run() async throws {
        let config = Startup.configuration()
        let workerPath = worker ?? Self.sibling("AuditWorker")
        await Startup.run {
            var logger = Logger(label: "auditmate.benchmark")
            logger.logLevel = .error
            let redis = RedisClient(settings: config.redis, logger: logger)
            do {
                let runner = BenchmarkRunner(config: config, redis: redis, concurrency: concurrency, workerPath: workerPath)
                try await runner.runAll(count: count, celeryPython: celeryPython, celeryCount: celeryCount ?? count)
            } catch {
                try? await redis.close()
                throw error
            }
            try await redis.close()
        }
    }

    /// `name` in the folder of this executable, where `swift build` puts every product.
    private static func sibling(_ name: String) -> String {
        let own = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: own).deletingLastPathComponent().appendingPathComponent(name).path
    }
}
