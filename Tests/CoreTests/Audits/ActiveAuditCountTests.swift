import Foundation
import Logging
import PostgresNIO
import TestSupport
import Testing

/// The quota reads `active_audit_counts`, which the database keeps on every write to `audits`
/// (migration 0012). Whoever writes, the kept number must equal a real count.
@Suite("Active audit counts")
struct ActiveAuditCountTests {
    let logger = Logger(label: "tests.active-audit-counts")

    func kept(_ organization: UUID, on connection: PostgresConnection) async throws -> Int {
        let rows = try await connection.query(
            "SELECT COALESCE(max(active), 0) FROM active_audit_counts WHERE organization_id = \(organization)",
            logger: logger
        )
        for try await count in rows.decode(Int.self) { return count }
        return -1
    }

    func counted(_ organization: UUID, on connection: PostgresConnection) async throws -> Int {
        let rows = try await connection.query(
            "SELECT count(*) FROM audits WHERE organization_id = \(organization) AND status IN ('PENDING', 'RUNNING')",
            logger: logger
        )
        for try await count in rows.decode(Int.self) { return count }
        return -1
    }

    @Test func theKeptCountFollowsEveryKindOfWrite() async throws {
        try await TestDatabase.withMigrated { database in
            try await TestDatabase.withConnection(database) { connection in
                var organizations: [UUID] = []
                for index in 0..<2 {
                    let rows = try await connection.query(
                        "INSERT INTO organizations (name, slug) VALUES ('Org', \("org-\(index)-\(UUID().uuidString.prefix(6).lowercased())")) RETURNING id",
                        logger: logger
                    )
                    for try await id in rows.decode(UUID.self) { organizations.append(id) }
                }
                let (a, b) = (organizations[0], organizations[1])
                func expectExact(_ comment: Comment) async throws {
                    for organization in organizations {
                        #expect(try await kept(organization, on: connection) == counted(organization, on: connection), comment)
                    }
                }
                try await connection.query(
                    """
                    INSERT INTO audits (organization_id, trigger, status)
                    SELECT \(a), 'manual', s FROM unnest(ARRAY['PENDING', 'PENDING', 'RUNNING', 'PASS', 'ERROR']) s
                    """,
                    logger: logger
                )
                try await connection.query("INSERT INTO audits (organization_id, trigger) VALUES (\(b), 'schedule')", logger: logger)
                try await expectExact("inserts")
                #expect(try await kept(a, on: connection) == 3)

                try await connection.query("UPDATE audits SET status = 'RUNNING' WHERE status = 'PENDING'", logger: logger)
                try await expectExact("active to active")
                try await connection.query(
                    "UPDATE audits SET status = 'PASS' WHERE organization_id = \(a) AND status = 'RUNNING'",
                    logger: logger
                )
                try await expectExact("finished")
                try await connection.query("UPDATE audits SET status = 'PENDING' WHERE status = 'PASS'", logger: logger)
                try await expectExact("requeued")
                try await connection.query("UPDATE audits SET status = status, score = 1", logger: logger)
                try await expectExact("rewritten unchanged")
                try await connection.query("DELETE FROM audits WHERE organization_id = \(a) AND status = 'PENDING'", logger: logger)
                try await expectExact("deleted")
                #expect(try await kept(a, on: connection) == 0)
                #expect(try await kept(b, on: connection) == 1)
            }
        }
    }
}
