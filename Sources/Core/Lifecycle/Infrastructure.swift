import Logging
import PostgresNIO
import ServiceLifecycle

/// The connections a process needs to PostgreSQL and Redis, built once from configuration and shared
/// by everything in the process. Both clients are services: list `services` before their users in the
/// service group so that they stop last.
public struct Infrastructure: Sendable {
    public let postgres: PostgresClient
    public let redis: RedisClient
    let database: DatabaseSettings
    public let logger: Logger

    /// `applicationName` shows up in `pg_stat_activity`, e.g. `auditmate-api`.
    public init(config: AppConfig, applicationName: String, logger: Logger) {
        self.postgres = PostgresClient(settings: config.database, applicationName: applicationName, logger: logger)
        self.redis = RedisClient(settings: config.redis, logger: logger)
        self.database = config.database
        self.logger = logger
    }

    public var services: [any Service] { [postgres, redis] }

    /// Makes the schema current before serving: development applies pending migrations; production
    /// refuses to start while any are pending, because a rolling deploy must migrate first, once.
    public func prepareSchema(environment: AppConfig.Environment) async throws {
        switch environment {
        case .development:
            let migrator = Migrator(migrations: try Migration.bundled(), logger: logger)
            _ = try await postgres.withConnection { try await migrator.migrate(on: $0) }
        case .production:
            let pending = try await pendingMigrations()
            if !pending.isEmpty { throw MigrationError.pending(pending) }
        }
    }
}

extension Infrastructure {
    /// Runs `body` with both clients live, then closes them: for one-shot commands and tests, where
    /// no service group owns the clients.
    public static func withRunning<Value: Sendable>(
        config: AppConfig,
        applicationName: String,
        logger: Logger,
        _ body: (Infrastructure) async throws -> Value
    ) async throws -> Value {
        let infrastructure = Infrastructure(config: config, applicationName: applicationName, logger: logger)
        do {
            let value = try await withThrowingTaskGroup(of: Void.self) { group in
                let (started, signal) = AsyncStream<Void>.makeStream()
                group.addTask {
                    signal.finish()
                    // No suspension between here and run() marking the client as running, so the
                    // body's first query does not find it "not running yet".
                    await infrastructure.postgres.run()
                }
                for await _ in started {}
                defer { group.cancelAll() }
                return try await body(infrastructure)
            }
            try? await infrastructure.redis.close()
            return value
        } catch {
            try? await infrastructure.redis.close()
            throw error
        }
    }

    /// Whether the schema is current: the labels of pending migrations (empty when up to date).
    public func pendingMigrations() async throws -> [String] {
        let migrator = Migrator(migrations: try Migration.bundled(), logger: logger)
        return try await postgres.withConnection { try await migrator.pending(on: $0) }.map(\.label)
    }
}
