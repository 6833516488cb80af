import Subprocess

/// A program the benchmark runs beside itself (the AuditWorker under test, Celery, redis-benchmark),
/// started through swift-subprocess, which gives the child an empty signal mask and default signal
/// dispositions: a child started from a Swift concurrency thread would otherwise inherit blocked
/// signals and ignore the SIGTERM that stops it.
struct BenchmarkProcess: Sendable {
    let name: String
    let executable: Executable
    let arguments: [String]
    /// Set on top of the benchmark's own environment. Secrets travel here and never in `arguments`,
    /// which every user of the machine can read (`ps`, `/proc/PID/cmdline`).
    let environment: [String: String]

    init(_ name: String, executable: Executable, arguments: [String], environment: [String: String] = [:]) {
        self.name = name
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
    }

    /// Runs `body` while the process runs, then stops the process the way an operator does (SIGTERM,
    /// SIGKILL after `grace`) and waits for it. A process that ends before `body` does fails the run,
    /// with the end of its output.
    func whileRunning<Value: Sendable>(
        grace: Duration = .seconds(60),
        _ body: @escaping @Sendable () async throws -> Value
    ) async throws -> Value {
        try await withThrowingTaskGroup(of: Ended<Value>.self) { group in
            group.addTask { .process(try await runCollectingTail(grace: grace)) }
            group.addTask { .body(try await body()) }
            switch try await group.next()! {
            case .body(let value):
                // Cancelling the process's task runs its teardown; the group waits for the exit.
                group.cancelAll()
                return value
            case .process(let tail):
                throw BenchmarkError("\(name) exited early:\n\(tail)")
            }
        }
    }

    /// Runs the process to its end and returns what it printed (standard output and error together).
    func output(limit: Int = 1 << 20) async throws -> String {
        let result = try await Subprocess.run(
            executable,
            arguments: Arguments(arguments),
            environment: inheritedEnvironment,
            output: .string(limit: limit),
            error: .combinedWithOutput
        )
        return result.standardOutput
    }

    private enum Ended<Value: Sendable>: Sendable {
        case body(Value)
        case process(String)
    }

    private static let tailLength = 4_000

    /// Runs the process until it ends (or the task is cancelled) and returns the end of its output.
    private func runCollectingTail(grace: Duration) async throws -> String {
        var options = PlatformOptions()
        options.teardownSequence = [.gracefulShutDown(allowedDurationToNextStep: grace)]
        let result = try await Subprocess.run(
            executable,
            arguments: Arguments(arguments),
            environment: inheritedEnvironment,
            platformOptions: options,
            input: .none,
            output: .sequence,
            error: .combinedWithOutput
        ) { execution in
            var tail = ""
            for try await line in execution.standardOutput.strings() {
                tail = String((tail + line + "\n").suffix(Self.tailLength))
            }
            return tail
        }
        return result.closureResult + "(\(result.terminationStatus))"
    }

    private var inheritedEnvironment: Environment {
        var changes: [Environment.Key: String?] = [:]
        for (key, value) in environment {
            if let key = Environment.Key(rawValue: key) { changes[key] = value }
        }
        return .inherit.updating(changes)
    }
}
