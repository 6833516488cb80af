import Foundation
import PostgresNIO

extension IdentityService {
    /// The principal of a bearer access token: signature, expiry and type, then on every request
    /// the account (still active), the family (not revoked), the role in the token's organization
    /// and that organization's subscription.
    public func authenticate(accessToken: String) async throws -> Principal {
        let claims = try await logins.tokens.verify(accessToken, as: .access)
        guard let userID = UUID(uuidString: claims.userID), let familyID = UUID(uuidString: claims.familyID) else {
            throw IdentityError.invalidToken
        }
        let organizationID = claims.organizationID.flatMap(UUID.init(uuidString:))
        // Not through Accounts and Logins: one statement joins them all, so a request costs one round trip.
        let rows = try await postgres.query(
            """
            SELECT u.email, u.is_active, f.revoked_at IS NULL AND f.user_id = u.id, m.role, \(unescaped: PremiumGate.columns(of: "o"))
            FROM users u
            LEFT JOIN token_families f ON f.id = \(familyID)
            LEFT JOIN memberships m ON m.user_id = u.id AND m.organization_id = \(organizationID)
            LEFT JOIN organizations o ON o.id = m.organization_id
            WHERE u.id = \(userID)
            """,
            logger: logger
        )
        for try await (email, active, familyLive, role, status, trialEnds, subscribed) in rows.decode(
            (String, Bool, Bool?, String?, String?, Date?, Bool?).self
        ) {
            guard active, familyLive == true else { throw IdentityError.invalidToken }
            return Self.principal(
                userID: userID,
                email: email,
                organizationID: organizationID,
                role: role,
                credential: .bearer(familyID: familyID),
                standing: PremiumGate.standing(status, trialEnds, subscribed)
            )
        }
        throw IdentityError.invalidToken
    }

    /// The principal of a browser session cookie, with the digest of the session's CSRF token.
    public func authenticate(sessionToken: String) async throws -> (principal: Principal, csrfDigest: String) {
        let digest = SecretToken.digest(sessionToken)
        // Not through Accounts and Logins: one statement joins them all, so a request costs one round trip.
        let rows = try await postgres.query(
            """
            SELECT s.user_id, u.email, u.is_active, s.organization_id, m.role, s.csrf_hash, \(unescaped: PremiumGate.columns(of: "o"))
            FROM sessions s
            JOIN users u ON u.id = s.user_id
            LEFT JOIN memberships m ON m.user_id = s.user_id AND m.organization_id = s.organization_id
            LEFT JOIN organizations o ON o.id = m.organization_id
            WHERE s.token_hash = \(digest) AND s.revoked_at IS NULL AND s.expires_at > now()
            """,
            logger: logger
        )
        for try await (userID, email, active, organizationID, role, csrf, status, trialEnds, subscribed) in rows.decode(
            (UUID, String, Bool, UUID?, String?, String, String?, Date?, Bool?).self
        ) {
            guard active else { throw IdentityError.invalidToken }
            let principal = Self.principal(
                userID: userID,
                email: email,
                organizationID: organizationID,
                role: role,
                credential: .session(tokenHash: digest),
                standing: PremiumGate.standing(status, trialEnds, subscribed)
            )
            return (principal, csrf)
        }
        throw IdentityError.invalidToken
    }

    /// A membership that no longer exists leaves the principal without an organization: the login
    /// stays valid, organization endpoints answer 404 until the user switches.
    static func principal(
        userID: UUID,
        email: String,
        organizationID: UUID?,
        role: String?,
        credential: Principal.Credential,
        standing: PremiumGate.Standing?
    ) -> Principal {
        let role = role.flatMap(Role.init(rawValue:))
        return Principal(
            userID: userID,
            email: email,
            organizationID: role == nil ? nil : organizationID,
            role: role,
            credential: credential,
            premiumAllowed: standing?.allowsPremium() ?? false
        )
    }
}
