import Foundation
import Logging
import PostgresNIO

/// Every statement on `account_tokens` (migration 0016): one-time tokens mailed to an address,
/// stored as their SHA-256 only.
struct AccountTokenTable: Sendable {
    enum Purpose: String, Sendable {
        case verifyEmail = "verify_email"
        case passwordReset = "password_reset"

        var lifetime: TimeInterval {
            switch self {
            case .verifyEmail: 48 * 3_600
            case .passwordReset: 3_600
            }
        }
    }

    let logger: Logger

    /// A new token for `email`; returns it (the only time it exists in plain text, for the outbox).
    func issue(_ purpose: Purpose, userID: UUID, email: String, on connection: PostgresConnection) async throws -> String {
        let token = SecretToken.generate()
        try await connection.query(
            """
            INSERT INTO account_tokens (token_hash, user_id, purpose, email, expires_at)
            VALUES (\(SecretToken.digest(token)), \(userID), \(purpose.rawValue), \(email), now() + \(purpose.lifetime) * interval '1 second')
            """,
            logger: logger
        )
        return token
    }

    /// Spends the token: the user and address it proves, when it exists for `purpose`, is unused and
    /// has not expired; nil otherwise. Used once, whoever asks second.
    func spend(_ token: String, _ purpose: Purpose, on connection: PostgresConnection) async throws -> (userID: UUID, email: String)? {
        let rows = try await connection.query(
            """
            UPDATE account_tokens SET used_at = now()
            WHERE token_hash = \(SecretToken.digest(token)) AND purpose = \(purpose.rawValue) AND used_at IS NULL AND expires_at > now()
            RETURNING user_id, email
            """,
            logger: logger
        )
        for try await (userID, email) in rows.decode((UUID, String).self) { return (userID, email) }
        return nil
    }

    /// The user and address of a usable token, without spending it (to check a new password
    /// against the address before the token is used).
    func peek(_ token: String, _ purpose: Purpose, on connection: PostgresConnection) async throws -> (userID: UUID, email: String)? {
        let rows = try await connection.query(
            """
            SELECT user_id, email FROM account_tokens
            WHERE token_hash = \(SecretToken.digest(token)) AND purpose = \(purpose.rawValue) AND used_at IS NULL AND expires_at > now()
            """,
            logger: logger
        )
        for try await (userID, email) in rows.decode((UUID, String).self) { return (userID, email) }
        return nil
    }

    /// Every unused token of the user stops working (the account changed hands).
    func revokeAll(of userID: UUID, on connection: PostgresConnection) async throws {
        try await connection.query(
            "UPDATE account_tokens SET used_at = now() WHERE user_id = \(userID) AND used_at IS NULL",
            logger: logger
        )
    }

    /// Every unused token of the user for `purpose` stops working (a newer one was used, or the
    /// password changed).
    func revoke(_ purpose: Purpose, userID: UUID, on connection: PostgresConnection) async throws {
        try await connection.query(
            "UPDATE account_tokens SET used_at = now() WHERE user_id = \(userID) AND purpose = \(purpose.rawValue) AND used_at IS NULL",
            logger: logger
        )
    }
}
