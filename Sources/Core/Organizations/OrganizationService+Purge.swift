import Foundation
import Logging
import PostgresNIO

extension OrganizationService {
    /// Deletes invitations that expired without being accepted, on `connection` (beat's maintenance
    /// job); accepted ones stay as the record of who joined through them. Returns how many.
    public static func purgeExpiredInvitations(on connection: PostgresConnection, now: Date, logger: Logger) async throws -> Int {
        try await InvitationTable(logger: logger).purgeExpired(now: now, on: connection)
    }
}
