import Core
import Foundation
import Logging
import PostgresNIO
import TestSupport
import Testing

@Suite("Migrator")
struct MigratorTests {
    let logger = Logger(label: "tests.migrator")

    func tableExists(_ name: String, client: PostgresConnection) async throws -> Bool {
        let rows = try await client.query("SELECT to_regclass(\(name)) IS NOT NULL", logger: logger)
        for try await exists in rows.decode(Bool.self) { return exists }
        return false
    }

    func appliedVersions(_ client: PostgresConnection) async throws -> [Int] {
        var versions: [Int] = []
        let rows = try await client.query("SELECT version FROM schema_migrations ORDER BY version", logger: logger)
        for try await version in rows.decode(Int.self) { versions.append(version) }
        return versions
    }

    @Test func bundledMigrationsApplyOnceAndSecondRunIsNoOp() async throws {
        try await TestDatabase.withEmpty { database in
            let bundled = try Migration.bundled()
            #expect(!bundled.isEmpty)
            #expect(bundled.map(\.version) == bundled.map(\.version).sorted())

            let first = try await Migrator.applyBundled(settings: database, logger: logger)
            #expect(first.map(\.version) == bundled.map(\.version))
            let second = try await Migrator.applyBundled(settings: database, logger: logger)
            #expect(second.isEmpty)

            let (versions, hasTable, pending) = try await TestDatabase.withConnection(database) { client in
                (
                    try await appliedVersions(client),
                    try await tableExists("organizations", client: client),
                    try await Migrator(migrations: bundled, logger: logger).pending(on: client)
                )
            }
            #expect(versions == bundled.map(\.version))
            #expect(hasTable)
            #expect(pending.isEmpty)
        }
    }

    @Test func concurrentMigratorsTakeTurns() async throws {
        try await TestDatabase.withEmpty { database in
            // The first migration is slow, so the racers overlap for certain.
            let migrations = [
                Migration(version: 1, name: "slow", sql: "SELECT pg_sleep(0.5); CREATE TABLE first_table (id int);"),
                Migration(version: 2, name: "second", sql: "CREATE TABLE second_table (id int); INSERT INTO second_table VALUES (1);"),
            ]
            let appliedCounts = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        // Separate connections: separate sessions, as separate processes would have.
                        try await TestDatabase.withConnection(database) { client in
                            try await Migrator(migrations: migrations, logger: logger).migrate(on: client).count
                        }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(appliedCounts.sorted() == [0, 0, 0, 2])
            let (versions, rowCount) = try await TestDatabase.withConnection(database) { client in
                let rows = try await client.query("SELECT count(*) FROM second_table", logger: logger)
                var count = 0
                for try await value in rows.decode(Int.self) { count = value }
                return (try await appliedVersions(client), count)
            }
            #expect(versions == [1, 2])
            #expect(rowCount == 1)
        }
    }

    @Test func failingMigrationRollsBackCompletely() async throws {
        try await TestDatabase.withEmpty { database in
            let migrations = [
                Migration(version: 1, name: "good", sql: "CREATE TABLE good_table (id int);"),
                Migration(version: 2, name: "bad", sql: "CREATE TABLE half_done (id int); SELECT * FROM no_such_table;"),
            ]
            try await TestDatabase.withConnection(database) { client in
                let migrator = Migrator(migrations: migrations, logger: logger)
                await #expect {
                    try await migrator.migrate(on: client)
                } throws: { error in
                    guard case MigrationError.failed(let label, let reason) = error else { return false }
                    return label == "0002_bad" && reason.contains("no_such_table")
                }
                let versions = try await appliedVersions(client)
                let goodTable = try await tableExists("good_table", client: client)
                let halfDone = try await tableExists("half_done", client: client)
                let pending = try await migrator.pending(on: client)
                #expect(versions == [1])
                #expect(goodTable)
                #expect(!halfDone)
                #expect(pending.map(\.version) == [2])
                // The advisory lock was released: another run can proceed (and fail the same way).
                await #expect(throws: MigrationError.self) { try await migrator.migrate(on: client) }
            }
        }
    }

    @Test func editedOrUnknownMigrationsAreRefused() async throws {
        try await TestDatabase.withEmpty { database in
            try await TestDatabase.withConnection(database) { client in
                let original = [Migration(version: 1, name: "t", sql: "CREATE TABLE t (id int);")]
                try await Migrator(migrations: original, logger: logger).migrate(on: client)

                let edited = [Migration(version: 1, name: "t", sql: "CREATE TABLE t (id bigint);")]
                await #expect(throws: MigrationError.checksumMismatch("0001_t")) {
                    try await Migrator(migrations: edited, logger: logger).migrate(on: client)
                }
                // A build from before migration 1 (a rollback) runs against it; a build whose own
                // history lacks it does not.
                #expect(try await Migrator(migrations: [], logger: logger).pending(on: client).isEmpty)
                let diverged = [Migration(version: 2, name: "u", sql: "CREATE TABLE u (id int);")]
                #expect(try await Migrator(migrations: original + diverged, logger: logger).pending(on: client).map(\.version) == [2])
                await #expect(throws: MigrationError.unknownApplied(1)) {
                    try await Migrator(migrations: [Migration(version: 3, name: "v", sql: "SELECT 1;")], logger: logger).pending(on: client)
                }
            }
        }
    }

    @Test func anOlderBuildRunsAgainstANewerSchema() async throws {
        try await TestDatabase.withEmpty { database in
            try await TestDatabase.withConnection(database) { client in
                let release1 = [Migration(version: 1, name: "t", sql: "CREATE TABLE t (id int);")]
                let release2 = release1 + [Migration(version: 2, name: "t_note", sql: "ALTER TABLE t ADD COLUMN note text;")]
                try await Migrator(migrations: release2, logger: logger).migrate(on: client)
                // Rolled back to release 1: nothing pending, migrate is a no-op, nothing is undone.
                #expect(try await Migrator(migrations: release1, logger: logger).migrate(on: client).isEmpty)
                #expect(try await appliedVersions(client) == [1, 2])
            }
        }
    }

    @Test func loadsFilesAndRejectsBadNames() throws {
        let folder = TestEnvironment.workDirectory.appendingPathComponent("migrations-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try "SELECT 2;".write(to: folder.appendingPathComponent("0002_second.sql"), atomically: true, encoding: .utf8)
        try "SELECT 1;".write(to: folder.appendingPathComponent("0001_first.sql"), atomically: true, encoding: .utf8)
        try "ignored".write(to: folder.appendingPathComponent("README.md"), atomically: true, encoding: .utf8)
        let loaded = try Migration.load(from: folder)
        #expect(loaded.map(\.label) == ["0001_first", "0002_second"])

        try "SELECT 3;".write(to: folder.appendingPathComponent("third.sql"), atomically: true, encoding: .utf8)
        #expect(throws: MigrationError.badFileName("third.sql")) { try Migration.load(from: folder) }
    }
}
