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
        try await Logins.purgeExpired(now: now, settings: settings, on: connection, logger: logger)
    }
}
