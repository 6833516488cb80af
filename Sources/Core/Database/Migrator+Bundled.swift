import Logging
import PostgresNIO

extension Migrator {
    /// Applies Core's migrations to the database in `settings` (what `AuditAPI migrate` does).
    public static func applyBundled(settings: DatabaseSettings, logger: Logger) async throws -> [Migration] {
        let migrations = try Migration.bundled()
        return try await PostgresClient.withRunning(settings: settings, applicationName: "auditmate-migrate", logger: logger) {
            try await Migrator(client: $0, migrations: migrations, logger: logger).migrate()
        }
    }
}
