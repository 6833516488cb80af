import Logging
import PostgresNIO

extension Migrator {
    /// Applies Core's migrations to the database in `settings` over one direct connection
    /// (what `AuditAPI migrate` does).
    public static func applyBundled(settings: DatabaseSettings, logger: Logger) async throws -> [Migration] {
        let migrator = Migrator(migrations: try Migration.bundled(), logger: logger)
        return try await PostgresConnection.withConnection(to: settings, logger: logger) { try await migrator.migrate(on: $0) }
    }
}
