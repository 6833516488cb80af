import ArgumentParser
import Core
import Foundation
import Logging

extension AuditWorkerCommand {
    struct Benchmark: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Enqueue N no-op tasks, drain them with one worker process, and compare with raw Redis and Celery.",
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

        func run() async throws {
            let config = Startup.configuration()
            await Startup.run {
                var logger = Logger(label: "auditmate.benchmark")
                logger.logLevel = .error
                let redis = RedisClient(settings: config.redis, logger: logger)
                defer { Task { try? await redis.close() } }
                let runner = BenchmarkRunner(config: config, redis: redis, concurrency: concurrency)
                try await runner.runAll(count: count, celeryPython: celeryPython, celeryCount: celeryCount ?? count)
            }
        }
    }
}
