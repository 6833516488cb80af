import Logging
import PostgresNIO

/// Applies migrations in version order and records them in `schema_migrations`.
///
/// Each migration runs in its own transaction, so a failing one leaves no trace. The whole run holds
/// a PostgreSQL advisory lock, so replicas that start together take turns: the first applies, the
/// others find nothing left to do. Running it again is a no-op.
public struct Migrator: Sendable {
    /// Arbitrary but fixed: every AuditMate process must use the same key.
    static let advisoryLockKey: Int64 = 0x4175_6469_744D_6967  // "AuditMig"

    let migrations: [Migration]
    let logger: Logger

    public init(migrations: [Migration], logger: Logger) {
        self.migrations = migrations
        self.logger = logger
    }

    /// Migrations not yet applied, in order. Also verifies that applied ones were not edited.
    public func pending(on connection: PostgresConnection) async throws -> [Migration] {
        let exists = try await connection.query("SELECT to_regclass('schema_migrations') IS NOT NULL", logger: logger)
        var tableExists = false
        for try await value in exists.decode(Bool.self) { tableExists = value }
        guard tableExists else { return migrations }
        return try await unapplied(on: connection)
    }

    /// Applies every pending migration and returns the ones it applied.
    @discardableResult
    public func migrate(on connection: PostgresConnection) async throws -> [Migration] {
        // Session-level lock: it must outlive the per-migration transactions below.
        try await connection.query("SELECT pg_advisory_lock(\(Self.advisoryLockKey))", logger: logger)
        do {
            let applied = try await applyPending(on: connection)
            try await connection.query("SELECT pg_advisory_unlock(\(Self.advisoryLockKey))", logger: logger)
            return applied
        } catch {
            // The lock also ends with the session, but a pooled session stays open.
            _ = try? await connection.query("SELECT pg_advisory_unlock(\(Self.advisoryLockKey))", logger: logger)
            throw error
        }
    }

    private func applyPending(on connection: PostgresConnection) async throws -> [Migration] {
        try await connection.query(
            """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version integer PRIMARY KEY,
                name text NOT NULL,
                checksum text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """,
            logger: logger
        )
        let pending = try await unapplied(on: connection)
        for migration in pending {
            logger.info("applying migration", metadata: ["migration": "\(migration.label)"])
            do {
                try await connection.withTransaction(logger: logger) { transaction in
                    for statement in SQLScript.statements(in: migration.sql) {
                        try await transaction.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                    }
                    try await transaction.query(
                        """
                        INSERT INTO schema_migrations (version, name, checksum)
                        VALUES (\(migration.version), \(migration.name), \(migration.checksum))
                        """,
                        logger: logger
                    )
                }
            } catch {
                throw MigrationError.failed(migration.label, PostgresFailure.reason(error))
            }
        }
        return pending
    }

    private func unapplied(on connection: PostgresConnection) async throws -> [Migration] {
        var applied: [Int: String] = [:]
        let rows = try await connection.query("SELECT version, checksum FROM schema_migrations", logger: logger)
        for try await (version, checksum) in rows.decode((Int, String).self) { applied[version] = checksum }

        let known = Dictionary(uniqueKeysWithValues: migrations.map { ($0.version, $0) })
        let unknown = applied.keys.filter { known[$0] == nil }.sorted()
        // Versions past this build's newest are a newer release's additive migrations: rolling the
        // code back must keep working (docs/OPERATIONS.md). One among this build's own versions
        // means the two histories diverged.
        let newest = migrations.map(\.version).max() ?? 0
        if let diverged = unknown.first(where: { $0 < newest }) {
            throw MigrationError.unknownApplied(diverged)
        }
        if !unknown.isEmpty {
            logger.warning(
                "the database has migrations newer than this build; running with them",
                metadata: ["versions": "\(unknown.map(String.init).joined(separator: ","))"]
            )
        }
        for migration in migrations {
            if let checksum = applied[migration.version], checksum != migration.checksum {
                throw MigrationError.checksumMismatch(migration.label)
            }
        }
        return migrations.filter { applied[$0.version] == nil }
    }
}
