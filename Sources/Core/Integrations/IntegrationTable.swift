import Foundation
import Logging
import PostgresNIO

/// Every statement on `integrations`. The service decides who may do what; this type is the one
/// place that knows the columns, and the one statement of the default-integration rule.
struct IntegrationTable: Sendable {
    let logger: Logger

    /// The columns `Integration(row:)` reads, in its order.
    static let columns = """
        id, organization_id, provider, account, account_type, base_url, token_type, scopes, created_by, created_at, last_used_at
        """

    struct NewIntegration {
        let organizationID: UUID
        let account: String
        let accountType: Integration.AccountType
        let baseURL: String
        let tokenType: GitHubCredential.TokenType
        let scopes: [String]
        let tokenCiphertext: String
        let createdBy: UUID?
    }

    /// The organization's integration an audit or schedule uses: the one `requested` names, or,
    /// when none is named, the oldest. Nil when there is no such integration. Audits, schedules and
    /// the scanner's credential all go through this rule.
    func pick(_ requested: UUID?, organizationID: UUID, on connection: PostgresConnection) async throws -> UUID? {
        var bindings = PostgresBindings(capacity: 2)
        bindings.append(requested)
        bindings.append(organizationID)
        let rows = try await connection.query(
            PostgresQuery(unsafeSQL: Self.pickQuery(requested: "$1", organizationID: "$2"), binds: bindings),
            logger: logger
        )
        for try await id in rows.decode(UUID.self) { return id }
        return nil
    }

    /// The rule as a query over two parameters, for statements that pick within themselves (the
    /// start of an audit, `AuditTable.StartStatement`).
    static func pickQuery(requested: String, organizationID: String) -> String {
        """
        SELECT id FROM integrations
        WHERE organization_id = \(organizationID)::uuid AND (\(requested)::uuid IS NULL OR id = \(requested)::uuid)
        ORDER BY created_at, id LIMIT 1
        """
    }

    func find(_ id: UUID, organizationID: UUID, on connection: PostgresConnection) async throws -> Integration? {
        let rows = try await connection.query(
            "SELECT \(unescaped: Self.columns) FROM integrations WHERE id = \(id) AND organization_id = \(organizationID)",
            logger: logger
        )
        return try await Integration.decode(rows).first
    }

    /// The GitHub account an integration is connected to; nil once it was removed.
    func account(of id: UUID, on connection: PostgresConnection) async throws -> String? {
        let rows = try await connection.query("SELECT account FROM integrations WHERE id = \(id)", logger: logger)
        for try await account in rows.decode(String.self) { return account }
        return nil
    }

    /// One page of the organization's integrations, oldest first, and how many there are.
    func page(organizationID: UUID, _ page: PageRequest, on connection: PostgresConnection) async throws -> Page<Integration> {
        let rows = try await connection.query(
            """
            SELECT \(unescaped: Self.columns) FROM integrations WHERE organization_id = \(organizationID)
            ORDER BY created_at, id LIMIT \(page.limit) OFFSET \(page.offset)
            """,
            logger: logger
        )
        let items = try await Integration.decode(rows)
        let total = try await connection.count(
            "SELECT count(*) FROM integrations WHERE organization_id = \(organizationID)",
            logger: logger
        )
        return Page(items: items, count: total, request: page)
    }

    func insert(_ new: NewIntegration, on connection: PostgresConnection) async throws -> Integration {
        let rows = try await connection.query(
            """
            INSERT INTO integrations (organization_id, account, account_type, base_url, token_type, scopes, token_ciphertext, created_by)
            VALUES (\(new.organizationID), \(new.account), \(new.accountType.rawValue), \(new.baseURL),
                    \(new.tokenType.rawValue), \(new.scopes), \(new.tokenCiphertext), \(new.createdBy))
            RETURNING \(unescaped: Self.columns)
            """,
            logger: logger
        )
        guard let created = try await Integration.decode(rows).first else { throw NotFound(.integration) }
        return created
    }

    func delete(_ id: UUID, on connection: PostgresConnection) async throws {
        try await connection.query("DELETE FROM integrations WHERE id = \(id)", logger: logger)
    }

    /// Marks the picked integration used and returns it with its encrypted token; nil when the
    /// organization has no such integration (it was removed).
    func use(_ requested: UUID?, organizationID: UUID, on connection: PostgresConnection) async throws -> (Integration, String)? {
        guard let id = try await pick(requested, organizationID: organizationID, on: connection) else { return nil }
        let rows = try await connection.query(
            """
            UPDATE integrations SET last_used_at = now() WHERE id = \(id)
            RETURNING \(unescaped: Self.columns), token_ciphertext
            """,
            logger: logger
        )
        for try await row in rows {
            let columns = row.makeRandomAccess()
            return (try Integration(columns), try columns["token_ciphertext"].decode(String.self))
        }
        return nil
    }

    /// Every stored token, encrypted, locked for the re-encryption that follows.
    func lockAllCiphertexts(on connection: PostgresConnection) async throws -> [(id: UUID, ciphertext: String)] {
        let rows = try await connection.query("SELECT id, token_ciphertext FROM integrations FOR UPDATE", logger: logger)
        var ciphertexts: [(id: UUID, ciphertext: String)] = []
        for try await (id, ciphertext) in rows.decode((UUID, String).self) { ciphertexts.append((id, ciphertext)) }
        return ciphertexts
    }

    func replaceCiphertext(of id: UUID, with ciphertext: String, on connection: PostgresConnection) async throws {
        try await connection.query("UPDATE integrations SET token_ciphertext = \(ciphertext) WHERE id = \(id)", logger: logger)
    }
}
