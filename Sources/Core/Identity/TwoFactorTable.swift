import Foundation
import Logging
import PostgresNIO

/// The `two_factor` and `recovery_codes` tables: a user's TOTP secret (as Fernet ciphertext) and
/// the one-time codes that stand in for it.
struct TwoFactorTable: Sendable {
    let logger: Logger

    /// A user's factor as stored.
    struct Factor: Sendable {
        let secretCiphertext: String
        let isConfirmed: Bool
        /// The newest TOTP time step accepted; a code of that step or an older one is refused.
        let lastStep: Int64
    }

    /// Stores a new pending secret, replacing an earlier pending one; false when a confirmed factor
    /// exists (it must be removed first).
    func begin(_ userID: UUID, secretCiphertext: String, on connection: PostgresConnection) async throws -> Bool {
        let rows = try await connection.query(
            """
            INSERT INTO two_factor (user_id, secret_ciphertext) VALUES (\(userID), \(secretCiphertext))
            ON CONFLICT (user_id) DO UPDATE SET secret_ciphertext = EXCLUDED.secret_ciphertext, created_at = now(), last_step = 0
            WHERE two_factor.confirmed_at IS NULL
            RETURNING user_id
            """,
            logger: logger
        )
        for try await _ in rows.decode(UUID.self) { return true }
        return false
    }

    /// The user's factor, locked until the transaction ends (two logins with one code take turns).
    func lock(_ userID: UUID, on connection: PostgresConnection) async throws -> Factor? {
        let rows = try await connection.query(
            "SELECT secret_ciphertext, confirmed_at IS NOT NULL, last_step FROM two_factor WHERE user_id = \(userID) FOR UPDATE",
            logger: logger
        )
        for try await (ciphertext, confirmed, step) in rows.decode((String, Bool, Int64).self) {
            return Factor(secretCiphertext: ciphertext, isConfirmed: confirmed, lastStep: step)
        }
        return nil
    }

    /// Whether the user has a confirmed factor.
    func isEnrolled(_ userID: UUID, on connection: PostgresConnection) async throws -> Bool {
        try await connection.count("SELECT count(*) FROM two_factor WHERE user_id = \(userID) AND confirmed_at IS NOT NULL", logger: logger)
            > 0
    }

    /// Confirms the pending factor with the step of its first code, replacing any recovery codes.
    func confirm(_ userID: UUID, step: Int64, recoveryCodeHashes: [String], on connection: PostgresConnection) async throws {
        try await connection.query(
            "UPDATE two_factor SET confirmed_at = now(), last_step = \(step) WHERE user_id = \(userID)",
            logger: logger
        )
        try await connection.query("DELETE FROM recovery_codes WHERE user_id = \(userID)", logger: logger)
        for hash in recoveryCodeHashes {
            try await connection.query("INSERT INTO recovery_codes (user_id, code_hash) VALUES (\(userID), \(hash))", logger: logger)
        }
    }

    /// Records `step` as used (the row is locked by the caller).
    func spend(step: Int64, of userID: UUID, on connection: PostgresConnection) async throws {
        try await connection.query("UPDATE two_factor SET last_step = \(step) WHERE user_id = \(userID)", logger: logger)
    }

    /// Spends an unused recovery code; false when it is unknown or used.
    func spendRecoveryCode(hash: String, of userID: UUID, on connection: PostgresConnection) async throws -> Bool {
        let rows = try await connection.query(
            """
            UPDATE recovery_codes SET used_at = now() WHERE user_id = \(userID) AND code_hash = \(hash) AND used_at IS NULL
            RETURNING user_id
            """,
            logger: logger
        )
        for try await _ in rows.decode(UUID.self) { return true }
        return false
    }

    /// Unused recovery codes left.
    func recoveryCodesLeft(of userID: UUID, on connection: PostgresConnection) async throws -> Int {
        try await connection.count("SELECT count(*) FROM recovery_codes WHERE user_id = \(userID) AND used_at IS NULL", logger: logger)
    }

    /// Every stored secret, locked for `rotate-secrets`.
    func lockAllCiphertexts(on connection: PostgresConnection) async throws -> [(id: UUID, ciphertext: String)] {
        let rows = try await connection.query("SELECT user_id, secret_ciphertext FROM two_factor FOR UPDATE", logger: logger)
        var found: [(id: UUID, ciphertext: String)] = []
        for try await (id, ciphertext) in rows.decode((UUID, String).self) { found.append((id, ciphertext)) }
        return found
    }

    func replaceCiphertext(of userID: UUID, with ciphertext: String, on connection: PostgresConnection) async throws {
        try await connection.query("UPDATE two_factor SET secret_ciphertext = \(ciphertext) WHERE user_id = \(userID)", logger: logger)
    }

    func remove(_ userID: UUID, on connection: PostgresConnection) async throws {
        try await connection.query("DELETE FROM recovery_codes WHERE user_id = \(userID)", logger: logger)
        try await connection.query("DELETE FROM two_factor WHERE user_id = \(userID)", logger: logger)
    }
}
