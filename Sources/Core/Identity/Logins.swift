import Foundation
import Logging
import PostgresNIO

/// Logins: the token pairs of a login family. Other domains start a login here (an invitation
/// that created an account logs it in) without reaching into the token issuer.
struct Logins: Sendable {
    let tokens: TokenIssuer
    let logger: Logger

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
}
