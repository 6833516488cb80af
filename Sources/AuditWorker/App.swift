import ArgumentParser
import Core
import ServiceLifecycle

/// `AuditWorker` runs the worker daemon; the other subcommands inspect and administer the queues.
@main
struct AuditWorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "AuditWorker",
        abstract: "AuditMate background worker.",
        subcommands: [Work.self, Beat.self, Inspect.self, Dead.self, Check.self, HealthCheck.self],
        defaultSubcommand: Work.self
    )
}

extension AuditWorkerCommand {
    struct Work: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "worker", abstract: "Run the worker (the default).")

        @Option(help: "Comma-separated queues to consume.")
        var queues: String = "scans,reports,emails"

        @Option(help: "Task slots in this process.")
        var concurrency: Int = 8

        @Flag(help: "Also run beat (leader-elected; safe on every worker).")
        var beat = false

        @Option(help: "Serve Prometheus metrics on this port (GET /metrics).")
        var metricsPort: Int?

        @Option(help: "Seconds in-flight tasks may run on after SIGTERM before their messages go back to the queue.")
        var gracePeriod: Int = 30

        @Option(help: "Seconds to wait for PostgreSQL and Redis at start-up before giving up.")
        var startupTimeout: Int = 30

        // Tests drive the engine through these tasks; production workers never register them.
        @Flag(help: ArgumentHelp("Also run the diagnostics tasks (sleep, fail, echo, record).", visibility: .hidden))
        var diagnosticTasks = false

        func validate() throws {
            guard (1...1024).contains(concurrency) else { throw ValidationError("--concurrency must be from 1 to 1024") }
            guard gracePeriod >= 0 else { throw ValidationError("--grace-period must not be negative") }
            guard !queueList.isEmpty else { throw ValidationError("--queues must name at least one queue") }
            if let metricsPort, !(1...65535).contains(metricsPort) { throw ValidationError("--metrics-port must be from 1 to 65535") }
        }

        var queueList: [String] {
            queues.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }

        func run() async throws {
            let config = Startup.configuration()
            config.bootstrapLogging()
            let plan = WorkerPlan(
                pool: WorkerOptions(queues: queueList, concurrency: concurrency, gracePeriod: .seconds(gracePeriod)),
                beat: beat,
                metricsPort: metricsPort,
                diagnosticTasks: diagnosticTasks
            )
            await Startup.run {
                try await buildWorker(config: config, plan: plan, startupPatience: .seconds(startupTimeout)).run()
            }
        }
    }

    struct HealthCheck: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "healthcheck",
            abstract: "Exit 0 if the worker on this host answers GET /healthz on its --metrics-port (for Docker's HEALTHCHECK)."
        )

        @Option(help: "The worker's --metrics-port.")
        var metricsPort: Int

        func run() async throws {
            await LocalProbe.exitWithHealth(of: "http://127.0.0.1:\(metricsPort)/healthz")
        }
    }

    struct Beat: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run only the beat scheduler (leader-elected).")

        @Option(help: "Serve Prometheus metrics on this port (GET /metrics).")
        var metricsPort: Int?

        @Option(help: "Seconds to wait for PostgreSQL and Redis at start-up before giving up.")
        var startupTimeout: Int = 30

        func run() async throws {
            let config = Startup.configuration()
            config.bootstrapLogging()
            let plan = WorkerPlan(pool: nil, beat: true, metricsPort: metricsPort)
            await Startup.run {
                try await buildWorker(config: config, plan: plan, startupPatience: .seconds(startupTimeout)).run()
            }
        }
    }

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify configuration, PostgreSQL, Redis and migrations; exit 0 when all are fine, else 1."
        )

        func run() async throws {
            let config = Startup.configuration()
            let report = await ConnectivityReport.make(config: config)
            print(report.lines.joined(separator: "\n"))
            if !report.isHealthy { throw ExitCode.failure }
        }
    }
}
