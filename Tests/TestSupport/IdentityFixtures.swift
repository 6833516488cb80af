import Core
import Crypto
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

extension IdentityFixtures {
    /// A GitHub integration of `organizationID` for `token` (encrypted with `fernetKeys`, as the
    /// service stores it) at `baseURL`, acting for `account` (a user `octocat` by default); returns its id.
    public static func integration(
        in organizationID: UUID,
        token: String,
        baseURL: String,
        fernetKeys: [String],
        database: DatabaseSettings,
        account: String = "octocat",
        accountType: String = "User"
    ) async throws -> UUID {
        let ciphertext = try Fernet(keys: fernetKeys).encrypt(Array(token.utf8))
        return try await TestDatabase.withConnection(database) { connection in
            let rows = try await connection.query(
                """
                INSERT INTO integrations (organization_id, account, account_type, base_url, token_type, token_ciphertext)
                VALUES (\(organizationID), \(account), \(accountType), \(baseURL), 'classic_pat', \(ciphertext))
                RETURNING id
                """,
                logger: logger
            )
            for try await id in rows.decode(UUID.self) { return id }
            throw FixtureError.notCreated
        }
    }
}

extension IdentityFixtures {
    /// An audit of `organizationID` in `status` (finished ones get a finish time); returns its id.
    public static func audit(
        in organizationID: UUID,
        status: String,
        database: DatabaseSettings,
        integration: UUID? = nil,
        repository: String? = nil
    ) async throws -> UUID {
        try await TestDatabase.withConnection(database) { connection in
            let rows = try await connection.query(
                """
                INSERT INTO audits (organization_id, integration_id, repository, trigger, status, finished_at, evidence_digest)
                VALUES (\(organizationID), \(integration), \(repository), 'manual', \(status),
                        CASE WHEN \(status) IN ('PASS', 'FAIL', 'ERROR', 'CANCELED') THEN now() END,
                        CASE WHEN \(status) IN ('PASS', 'FAIL') THEN encode(sha256(''::bytea), 'hex') END)
                RETURNING id
                """,
                logger: logger
            )
            for try await id in rows.decode(UUID.self) { return id }
            throw FixtureError.notCreated
        }
    }
}

extension IdentityFixtures {
    /// A new organization (on a trial); returns its id.
    public static func organization(database: DatabaseSettings) async throws -> UUID {
        try await TestDatabase.withConnection(database) { connection in
            let rows = try await connection.query(
                """
                INSERT INTO organizations (name, slug, trial_ends_at)
                VALUES ('Fixture', \("fixture-\(UUID().uuidString.prefix(8).lowercased())"), now() + interval '14 days')
                RETURNING id
                """,
                logger: logger
            )
            for try await id in rows.decode(UUID.self) { return id }
            throw FixtureError.notCreated
        }
    }
}

extension IdentityFixtures {
    /// A daily schedule of `organizationID` (whole GitHub organization of `integration`, if any);
    /// a disabled one has no next run. Returns its id.
    public static func schedule(
        in organizationID: UUID,
        database: DatabaseSettings,
        enabled: Bool = true,
        integration: UUID? = nil
    ) async throws -> UUID {
        try await TestDatabase.withConnection(database) { connection in
            let rows = try await connection.query(
                """
                INSERT INTO schedules (organization_id, name, integration_id, cron, timezone, enabled, next_run_at)
                VALUES (\(organizationID), 'Fixture schedule', \(integration), '@daily', 'UTC', \(enabled),
                        CASE WHEN \(enabled) THEN date_trunc('day', now()) + interval '1 day' END)
                RETURNING id
                """,
                logger: logger
            )
            for try await id in rows.decode(UUID.self) { return id }
            throw FixtureError.notCreated
        }
    }

    /// A report of a new finished audit of `organizationID` in `status`; a READY one carries a small
    /// stand-in PDF with its hash and size. Returns the report id.
    public static func report(in organizationID: UUID, status: String, database: DatabaseSettings) async throws -> UUID {
        let audit = try await IdentityFixtures.audit(in: organizationID, status: "PASS", database: database)
        let pdf: [UInt8]? = status == "READY" ? Array("%PDF-1.4\n% fixture\n%%EOF\n".utf8) : nil
        return try await TestDatabase.withConnection(database) { connection in
            let rows = try await connection.query(
                """
                INSERT INTO reports (organization_id, audit_id, status, pdf, sha256, size, finished_at)
                VALUES (\(organizationID), \(audit), \(status), \(pdf.map { ByteBuffer(bytes: $0) }),
                        \(pdf.map { Hex.encode(SHA256.hash(data: $0)) }), \(pdf?.count),
                        CASE WHEN \(status) IN ('READY', 'ERROR') THEN now() END)
                RETURNING id
                """,
                logger: logger
            )
            for try await id in rows.decode(UUID.self) { return id }
            throw FixtureError.notCreated
        }
    }
}
