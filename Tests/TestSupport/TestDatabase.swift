import Core
import Foundation
import Logging
import PostgresNIO

/// Databases for tests. The bundled migrations run once per test process into a template; each test
/// or suite then gets its own copy (`CREATE DATABASE ... TEMPLATE`), which takes milliseconds, and
/// drops it when it ends.
public enum TestDatabase {
    static let logger: Logger = {
        var logger = Logger(label: "auditmate.tests.db")
        logger.logLevel = .warning
        return logger
    }()

    /// Unique per process, so parallel test processes never share a template.
    static let templateName = "auditmate_template_\(ProcessInfo.processInfo.processIdentifier)"

    private static let template = Task<Void, any Error> {
        try await admin { connection in
            try await connection.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(templateName)"), logger: logger)
            try await connection.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(templateName)"), logger: logger)
        }
        _ = try await Migrator.applyBundled(settings: TestEnvironment.adminDatabase.with(database: templateName), logger: logger)
    }

    /// Runs `body` with a fresh database with the current schema, dropped when `body` ends.
    public static func withMigrated<Value>(
        isolation: isolated (any Actor)? = #isolation,
        _ body: (DatabaseSettings) async throws -> Value
    ) async throws -> Value {
        try await template.value
        return try await withClone(of: templateName, body)
    }

    /// Runs `body` with a fresh database with nothing in it (for migrator tests), dropped when
    /// `body` ends.
    public static func withEmpty<Value>(
        isolation: isolated (any Actor)? = #isolation,
        _ body: (DatabaseSettings) async throws -> Value
    ) async throws -> Value {
        try await withClone(of: "template0", body)
    }

    private static func withClone<Value>(
        of source: String,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (DatabaseSettings) async throws -> Value
    ) async throws -> Value {
        let database = try await create(from: source)
        return try await withCleanup {
            try await body(database)
        } cleanup: {
            await drop(database.database)
        }
    }

    /// Drops a test's database. `WITH (FORCE)` ends the connections still open on it (a pool that
    /// is closing, a killed process's), which the test no longer uses.
    private static func drop(_ name: String) async {
        do {
            try await admin { connection in
                try await connection.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"), logger: logger)
            }
        } catch {
            logger.warning("could not drop test database \(name): \(error)")
        }
    }

    private static func create(from source: String) async throws -> DatabaseSettings {
        let name = "test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        try await admin { connection in
            // The template may still show a closing connection for a moment after migration.
            var attempt = 0
            while true {
                do {
                    try await connection.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name) TEMPLATE \(source)"), logger: logger)
                    return
                } catch let error where PostgresFailure.sqlState(error) == "55006" && attempt < 50 {
                    attempt += 1
                    try await Task.sleep(for: .milliseconds(100))
                }
            }
        }
        return TestEnvironment.adminDatabase.with(database: name)
    }

    /// Runs `body` on a connection of its own to `settings`. When the whole suite starts at once, a
    /// 2-core machine can take longer than the connect timeout to accept every connection: a connect
    /// that times out (before `body` ran) is tried again.
    public static func withConnection<Value: Sendable>(
        _ settings: DatabaseSettings,
        _ body: (PostgresConnection) async throws -> Value
    ) async throws -> Value {
        var attempt = 0
        while true {
            var started = false
            do {
                return try await PostgresConnection.withConnection(to: settings, logger: logger) { connection in
                    started = true
                    return try await body(connection)
                }
            } catch let error as PSQLError where !started && error.code == .connectionError && attempt < 5 {
                attempt += 1
                try await Task.sleep(for: .milliseconds(200 * attempt))
            }
        }
    }

    /// At most a few administrative connections (clones of the template) at a time, so the suite's
    /// start does not flood PostgreSQL with connection attempts.
    private static let adminGate = AsyncGate(limit: 4)

    private static func admin<Value: Sendable>(_ body: (PostgresConnection) async throws -> Value) async throws -> Value {
        try await adminGate.run { try await withConnection(TestEnvironment.adminDatabase, body) }
    }
}
