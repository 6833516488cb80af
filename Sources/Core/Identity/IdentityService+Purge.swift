import Foundation
import Logging
import PostgresNIO

extension IdentityService {
    /// Deletes logins nothing can use any more, on `connection` (beat's maintenance job): refresh-token
    /// families whose newest refresh token expired more than one access-token lifetime ago (so no
    /// access token of the family is still valid either; a family without tokens counts from its
    /// creation), and browser sessions that expired or were revoked. Returns the rows deleted.
    public static func purgeExpiredLogins(
        on connection: PostgresConnection,
        now: Date,
        settings: IdentitySettings,
        logger: Logger
    ) async throws -> Int {
        let cutoff = now.addingTimeInterval(-settings.accessTokenLifetime.seconds)
        let refreshSeconds = settings.refreshTokenLifetime.seconds
        let families = try await connection.query(
            """
            WITH gone AS (
                DELETE FROM token_families f
                WHERE coalesce(
                    (SELECT max(r.expires_at) FROM refresh_tokens r WHERE r.family_id = f.id),
                    f.created_at + make_interval(secs => \(refreshSeconds))
                ) < \(cutoff)
                RETURNING 1
            )
            SELECT count(*) FROM gone
            """,
            logger: logger
        )
        let sessions = try await connection.query(
            """
            WITH gone AS (
                DELETE FROM sessions WHERE expires_at < \(now) OR revoked_at < \(cutoff) RETURNING 1
            )
            SELECT count(*) FROM gone
            """,
            logger: logger
        )
        var deleted = 0
        for try await count in families.decode(Int.self) { deleted += count }
        for try await count in sessions.decode(Int.self) { deleted += count }
        return deleted
    }
}
