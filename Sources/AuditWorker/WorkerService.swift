import Core
import Logging
import ServiceLifecycle

/// The worker daemon's main service. It waits for PostgreSQL and Redis, makes sure the schema is
/// current, then runs the task pool and, with `--beat`, the beat scheduler until SIGTERM.
struct WorkerService: Service {
    let infrastructure: Infrastructure
    let environment: AppConfig.Environment
    let logger: Logger
    /// How long start-up waits for dependencies that are still coming up (compose, Kubernetes).
    let startupPatience: Duration
    var pool: WorkerPool?
    var beat: BeatService?

    func run() async throws {
        try await waitForDependencies()
        try await infrastructure.prepareSchema(environment: environment)
        logger.notice("worker ready")
        try await withThrowingDiscardingTaskGroup { group in
            if let pool { group.addTask { try await pool.run() } }
            if let beat { group.addTask { try await beat.run() } }
            if pool == nil && beat == nil { try? await gracefulShutdown() }
        }
        logger.notice("worker stopped")
    }

    private func waitForDependencies() async throws {
        let deadline = ContinuousClock.now + startupPatience
        var delay = Duration.milliseconds(250)
        while true {
            // Explained: the reason (refused, bad password, ...) is what an operator needs here.
            let status = await infrastructure.probe(explain: true)
            if status.isReady { return }
            let reasons = ["postgres": status.postgres, "redis": status.redis].compactMapValues { $0 }
            guard ContinuousClock.now + delay < deadline else {
                throw WorkerStartupError(reasons: reasons)
            }
            logger.warning("waiting for dependencies", metadata: reasons.mapValues { .string($0) })
            try await Task.sleep(for: delay)
            delay = min(delay * 2, .seconds(5))
        }
    }
}

struct WorkerStartupError: Error, CustomStringConvertible {
    let reasons: [String: String]

    var description: String {
        "dependencies unavailable: " + reasons.keys.sorted().map { "\($0): \(reasons[$0]!)" }.joined(separator: "; ")
    }
}
