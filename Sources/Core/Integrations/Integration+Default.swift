import Foundation
import Logging
import PostgresNIO

extension Integration {
    /// The organization's integration an audit or schedule uses: the one `requested` names, or,
    /// when none is named, the oldest. Nil when there is no such integration. The one statement of
    /// that rule: audits, schedules and the scanner's credential all go through it.
    static func pick(_ requested: UUID?, organizationID: UUID, on connection: PostgresConnection, logger: Logger) async throws -> UUID? {
        let rows = try await connection.query(
            """
            SELECT id FROM integrations
            WHERE organization_id = \(organizationID) AND (\(requested)::uuid IS NULL OR id = \(requested))
            ORDER BY created_at, id LIMIT 1
            """,
            logger: logger
        )
        for try await id in rows.decode(UUID.self) { return id }
        return nil
    }
}
