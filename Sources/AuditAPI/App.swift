import ArgumentParser
import Core
import NIOCore
import NIOPosix

/// `AuditAPI` serves the HTTP API; `AuditAPI migrate` applies database migrations.
@main
struct AuditAPICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "AuditAPI",
        abstract: "AuditMate HTTP API.",
        subcommands: [Serve.self, Migrate.self, RotateSecrets.self, DeactivateUser.self, ActivateUser.self, HealthCheck.self],
        defaultSubcommand: Serve.self
    )

    /// Swift concurrency's jobs run on NIO's event loops, which also serve HTTP, PostgreSQL and
    /// Redis: a request no longer hops between the two thread pools at every await. That hop was
    /// most of what the API spent beyond its own work (BENCHMARKS.md). Nothing in the API blocks a
    /// thread: bcrypt, PDF rendering and DNS run on thread pools of their own, and Redis is non-blocking. Installed
    /// before any other job runs, as NIO requires.
    static func main() async {
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        await main(nil)
    }
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

    struct HealthCheck: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "healthcheck",
            abstract: "Exit 0 if the API on this host answers GET /healthz (for Docker's HEALTHCHECK)."
        )

        @Option(help: "The path to ask: /healthz (alive) or /readyz (PostgreSQL and Redis answer too).")
        var path = "/healthz"

        func run() async throws {
            let http = Startup.configuration().http
            // A wildcard listen address is reachable on loopback; an IPv6 literal needs brackets in a URL.
            var host = ["0.0.0.0", "::", "[::]"].contains(http.host) ? "127.0.0.1" : http.host
            if host.contains(":") && !host.hasPrefix("[") { host = "[\(host)]" }
            await LocalProbe.exitWithHealth(of: "http://\(host):\(http.port)\(path)")
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

    struct RotateSecrets: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-encrypt every stored secret with the first FERNET_KEYS key (then the old keys can be dropped)."
        )

        func run() async throws {
            let config = Startup.configuration()
            config.bootstrapLogging()
            await Startup.run {
                let logger = config.makeLogger("auditmate.secrets")
                let (rotated, total) = try await Infrastructure.withRunning(
                    config: config,
                    applicationName: "auditmate-admin",
                    logger: logger
                ) {
                    infrastructure in
                    let fernet = try Fernet(keys: config.secrets.fernetKeys)
                    let tokens = try await IntegrationService(
                        postgres: infrastructure.postgres,
                        github: GitHubClient(settings: config.github, redis: infrastructure.redis, logger: logger),
                        fernet: fernet,
                        settings: config.github,
                        logger: logger
                    ).rotateSecrets()
                    let factors = try await IdentityService(
                        postgres: infrastructure.postgres,
                        redis: infrastructure.redis,
                        secrets: config.secrets,
                        settings: config.identity,
                        logger: logger
                    ).rotateSecrets()
                    let mail = try await Outbox.rotateTokens(postgres: infrastructure.postgres, fernet: fernet, logger: logger)
                    // GitHub tokens, second-factor secrets and unsent mail tokens: every Fernet ciphertext at rest.
                    return (tokens.rotated + factors.rotated + mail.rotated, tokens.total + factors.total + mail.total)
                }
                print("Re-encrypted \(rotated) of \(total) secret(s) with the first FERNET_KEYS key.")
            }
        }
    }

    struct DeactivateUser: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Deactivate an account: its logins and sessions stop working at once."
        )

        @Argument(help: "The account's e-mail address.")
        var email: String

        func run() async throws {
            try await AuditAPICommand.setActive(email: email, active: false)
        }
    }

    struct ActivateUser: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Re-activate a deactivated account.")

        @Argument(help: "The account's e-mail address.")
        var email: String

        func run() async throws {
            try await AuditAPICommand.setActive(email: email, active: true)
        }
    }

    static func setActive(email: String, active: Bool) async throws {
        let config = Startup.configuration()
        config.bootstrapLogging()
        await Startup.run {
            let logger = config.makeLogger("auditmate.users")
            let changed = try await Infrastructure.withRunning(config: config, applicationName: "auditmate-admin", logger: logger) {
                infrastructure in
                let identity = await IdentityService(
                    postgres: infrastructure.postgres,
                    redis: infrastructure.redis,
                    secrets: config.secrets,
                    settings: config.identity,
                    logger: logger
                )
                return try await identity.setActive(email: email, active: active)
            }
            guard changed else { Startup.fail("error: no account with e-mail \(email)", status: 1) }
            print("\(email): \(active ? "activated" : "deactivated").")
        }
    }
}
