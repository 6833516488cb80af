import ArgumentParser
import Core
import ServiceLifecycle

/// `AuditWorker` runs the worker daemon; `AuditWorker check` verifies configuration and connectivity.
@main
struct AuditWorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "AuditWorker",
        abstract: "AuditMate background worker.",
        subcommands: [Work.self, Check.self],
        defaultSubcommand: Work.self
    )
}

extension AuditWorkerCommand {
    struct Work: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "worker", abstract: "Run the worker (the default).")

        @Option(help: "Seconds to wait for PostgreSQL and Redis at start-up before giving up.")
        var startupTimeout: Int = 30

        func run() async throws {
            let config = Startup.configuration()
            config.bootstrapLogging()
            await Startup.run {
                try await buildWorker(config: config, startupPatience: .seconds(startupTimeout)).run()
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
