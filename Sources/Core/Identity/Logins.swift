import Foundation
import Logging
import PostgresNIO

/// Every statement on `token_families`, `refresh_tokens` and `sessions` but the per-request
/// principal reads (authentication and re-authorization join them with the account, the membership
/// and the subscription in one statement each, so a request costs one round trip). Other domains
/// start a login here (an invitation that created an account logs it in) without reaching into the
/// token issuer; the identity service's flows (refresh, logout, browser sessions, password change,
/// deactivation, beat's purge) build on the same statements.
struct Logins: Sendable {
    let tokens: TokenIssuer
    let logger: Logger

    /// Why a token family was revoked, as `token_families.revoked_reason` spells it.
    enum RevocationReason: String, Sendable {
        case logout
        /// A refresh token was presented again after it was spent: taken as theft.
        case reuse
        case passwordChange = "password_change"
        case deactivated
        /// An invitation's holder proved the address of an account that never had.
        case takenOver = "taken_over"
    }

    /// Issues an access and refresh token, recording the refresh token in `familyID`, or in a new
    /// family (a new login) when `familyID` is nil.
    func issuePair(userID: UUID, organizationID: UUID?, familyID: UUID?, on connection: PostgresConnection) async throws -> TokenPair {
        var family = familyID
        if family == nil {
            let rows = try await connection.query("INSERT INTO token_families (user_id) VALUES (\(userID)) RETURNING id", logger: logger)
            for try await id in rows.decode(UUID.self) { family = id }
        }
        guard let family else { throw IdentityError.invalidToken }
        let refresh = try await tokens.issue(.refresh, userID: userID, organizationID: organizationID, familyID: family)
        let expires = Date(timeIntervalSince1970: TimeInterval(refresh.claims.exp))
        try await connection.query(
            "INSERT INTO refresh_tokens (jti, family_id, expires_at) VALUES (\(refresh.claims.jti), \(family), \(expires))",
            logger: logger
        )
        let access = try await tokens.issue(.access, userID: userID, organizationID: organizationID, familyID: family)
        return TokenPair(access: access.token, refresh: refresh.token)
    }

    /// Spends the refresh token `jti` of `familyID` when it is unspent and unexpired, its family
    /// live and its account (`userID`) active. True when it did. The row lock makes concurrent
    /// refreshes of one token take turns: the second sees it spent.
    func spend(jti: String, familyID: UUID, userID: UUID, on connection: PostgresConnection) async throws -> Bool {
        let rows = try await connection.query(
            """
            UPDATE refresh_tokens r SET spent_at = now()
            FROM token_families f, users u
            WHERE r.jti = \(jti) AND r.family_id = \(familyID) AND f.id = r.family_id AND u.id = f.user_id
              AND u.id = \(userID) AND u.is_active AND r.spent_at IS NULL AND f.revoked_at IS NULL
              AND r.expires_at > now()
            RETURNING r.jti
            """,
            logger: logger
        )
        for try await _ in rows.decode(String.self) { return true }
        return false
    }

    /// Revokes the family when `jti` is a known, already spent token of it. True when it did.
    func revokeFamilyIfSpent(jti: String, familyID: UUID, on connection: PostgresConnection) async throws -> Bool {
        let rows = try await connection.query(
            "SELECT spent_at IS NOT NULL FROM refresh_tokens WHERE jti = \(jti) AND family_id = \(familyID)",
            logger: logger
        )
        var spent = false
        for try await value in rows.decode(Bool.self) { spent = value }
        guard spent else { return false }
        return try await revoke(familyID: familyID, reason: .reuse, on: connection)
    }

    /// Whether the family is live (not revoked, its account active) and whether `jti` is an unspent
    /// refresh token of it (nil when it is no refresh token of the family); nil for an unknown family.
    func state(of familyID: UUID, jti: String, on connection: PostgresConnection) async throws -> (live: Bool, unspent: Bool?)? {
        let rows = try await connection.query(
            """
            SELECT f.revoked_at IS NULL AND u.is_active,
                   (SELECT r.spent_at IS NULL FROM refresh_tokens r WHERE r.jti = \(jti) AND r.family_id = f.id)
            FROM token_families f JOIN users u ON u.id = f.user_id
            WHERE f.id = \(familyID)
            """,
            logger: logger
        )
        for try await (live, unspent) in rows.decode((Bool, Bool?).self) { return (live, unspent) }
        return nil
    }

    /// True when the family was live and is now revoked.
    @discardableResult
    func revoke(familyID: UUID, reason: RevocationReason, on connection: PostgresConnection) async throws -> Bool {
        let rows = try await connection.query(
            """
            UPDATE token_families SET revoked_at = now(), revoked_reason = \(reason.rawValue)
            WHERE id = \(familyID) AND revoked_at IS NULL RETURNING id
            """,
            logger: logger
        )
        for try await _ in rows.decode(UUID.self) { return true }
        return false
    }

    /// Revokes every live token family and browser session of `userID`, but the session whose digest
    /// is `keptSession` (the caller's own, when it changed the password in the browser).
    func revokeAll(of userID: UUID, reason: RevocationReason, keepingSession keptSession: String? = nil, on connection: PostgresConnection)
        async throws
    {
        try await connection.query(
            """
            UPDATE token_families SET revoked_at = now(), revoked_reason = \(reason.rawValue)
            WHERE user_id = \(userID) AND revoked_at IS NULL
            """,
            logger: logger
        )
        try await connection.query(
            """
            UPDATE sessions SET revoked_at = now()
            WHERE user_id = \(userID) AND revoked_at IS NULL AND token_hash IS DISTINCT FROM \(keptSession)
            """,
            logger: logger
        )
    }

    /// Stores a browser session by the digests of its cookie and CSRF tokens.
    func openSession(
        tokenHash: String,
        csrfHash: String,
        userID: UUID,
        organizationID: UUID?,
        expiresAt: Date,
        on connection: PostgresConnection
    ) async throws {
        try await connection.query(
            """
            INSERT INTO sessions (token_hash, user_id, organization_id, csrf_hash, expires_at)
            VALUES (\(tokenHash), \(userID), \(organizationID), \(csrfHash), \(expiresAt))
            """,
            logger: logger
        )
    }

    /// Moves the browser session to another organization of its user.
    func moveSession(tokenHash: String, to organizationID: UUID, on connection: PostgresConnection) async throws {
        try await connection.query(
            "UPDATE sessions SET organization_id = \(organizationID) WHERE token_hash = \(tokenHash)",
            logger: logger
        )
    }

    func revokeSession(tokenHash: String, on connection: PostgresConnection) async throws {
        try await connection.query(
            "UPDATE sessions SET revoked_at = now() WHERE token_hash = \(tokenHash) AND revoked_at IS NULL",
            logger: logger
        )
    }

    /// Deletes the token families and browser sessions nothing can use any more (see
    /// `IdentityService.purgeExpiredLogins`). Returns the rows deleted.
    static func purgeExpired(now: Date, settings: IdentitySettings, on connection: PostgresConnection, logger: Logger) async throws -> Int {
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
