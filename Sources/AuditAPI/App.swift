import ArgumentParser
import Core

/// `AuditAPI` serves the HTTP API; `AuditAPI migrate` applies database migrations.
@main
struct AuditAPICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "AuditAPI",
        abstract: "AuditMate HTTP API.",
        subcommands: [Serve.self, Migrate.self],
        defaultSubcommand: Serve.self
    )
}

extension AuditAPICommand {
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Serve the API (the default).")

        func run() async throws {
            let config = Startup.configuration()
            config.bootstrapLogging()
            await Startup.run {
                try await buildApplication(config: config).runService()
            }
        }
    }

    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Apply pending database migrations and exit.")

        func run() async throws {
            let config = Startup.configuration()
            config.bootstrapLogging()
            await Startup.run {
                let applied = try await Migrator.applyBundled(settings: config.database, logger: config.makeLogger("auditmate.migrate"))
                let labels = applied.map(\.label).joined(separator: ", ")
                print(applied.isEmpty ? "No migrations to apply." : "Applied \(applied.count) migration(s): \(labels).")
            }
        }
    }
}
