import Foundation
import Logging
import PostgresNIO

extension OrganizationService {
    /// Deletes invitations that expired without being accepted, on `connection` (beat's maintenance
    /// job); accepted ones stay as the record of who joined through them. Returns how many.
    public static func purgeExpiredInvitations(on connection: PostgresConnection, now: Date, logger: Logger) async throws -> Int {
        let rows = try await connection.query(
            """
            WITH gone AS (
                DELETE FROM invitations WHERE expires_at < \(now) AND accepted_at IS NULL RETURNING 1
            )
            SELECT count(*) FROM gone
            """,
            logger: logger
        )
        var deleted = 0
        for try await count in rows.decode(Int.self) { deleted += count }
        return deleted
    }
}
