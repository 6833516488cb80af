import Core
import Foundation
import Logging
import PostgresNIO

/// Rows made directly in a test database, for tests that need many targets quickly and are not
/// about how those rows come to be.
public enum IdentityFixtures {
    static let logger = Logger(label: "auditmate.tests.fixtures")

    /// A new user who belongs to `organizationID` with `role`; returns the user id.
    @discardableResult
    public static func member(in organizationID: UUID, role: Role, database: DatabaseSettings) async throws -> UUID {
        try await TestDatabase.withConnection(database) { connection in
            let rows = try await connection.query(
                """
                WITH u AS (INSERT INTO users (email, full_name, password_hash)
                           VALUES (\("fixture-\(UUID().uuidString.lowercased())@example.com"), 'Fixture', 'unusable') RETURNING id)
                INSERT INTO memberships (organization_id, user_id, role) SELECT \(organizationID), id, \(role.rawValue) FROM u
                RETURNING user_id
                """,
                logger: logger
            )
            for try await id in rows.decode(UUID.self) { return id }
            throw FixtureError.notCreated
        }
    }

    /// A pending invitation into `organizationID`; returns its id.
    public static func invitation(in organizationID: UUID, database: DatabaseSettings) async throws -> UUID {
        try await TestDatabase.withConnection(database) { connection in
            let rows = try await connection.query(
                """
                INSERT INTO invitations (organization_id, email, role, token_hash, expires_at)
                VALUES (\(organizationID), \("invitee-\(UUID().uuidString.lowercased())@example.com"), 'VIEWER',
                        \(SecretToken.digest(UUID().uuidString)), now() + interval '1 day')
                RETURNING id
                """,
                logger: logger
            )
            for try await id in rows.decode(UUID.self) { return id }
            throw FixtureError.notCreated
        }
    }

    enum FixtureError: Error {
        case notCreated
    }
}
