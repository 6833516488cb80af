import Foundation
import Logging
import PostgresNIO

/// The `login_addresses` table: every IP address an account signed in (or registered) from, so a
/// login from one it never used can be noticed.
struct LoginAddressTable: Sendable {
    let logger: Logger

    /// Notes that `userID` signed in from `ip`. True when the account had signed in from other
    /// addresses before but never from this one: a first address is a baseline, not news.
    func record(_ ip: String, of userID: UUID, on connection: PostgresConnection) async throws -> Bool {
        // One statement: the subquery sees the rows as they were before this insert.
        let rows = try await connection.query(
            """
            INSERT INTO login_addresses (user_id, ip) VALUES (\(userID), \(ip))
            ON CONFLICT (user_id, ip) DO UPDATE SET last_seen_at = now()
            RETURNING xmax = 0 AND EXISTS (SELECT 1 FROM login_addresses WHERE user_id = \(userID))
            """,
            logger: logger
        )
        for try await isNews in rows.decode(Bool.self) { return isNews }
        return false
    }
}
