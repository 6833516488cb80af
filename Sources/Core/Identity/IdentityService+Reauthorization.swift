import Foundation
import PostgresNIO

extension IdentityService {
    /// Checks again, now, a principal resolved earlier (the caller of a long-lived event stream):
    /// nil when its login was revoked or expired, the account deactivated, or the membership in
    /// its organization ended, or the organization came to require a second factor the user lacks;
    /// otherwise the principal with its current role and subscription.
    public func reauthorize(_ principal: Principal) async throws -> Principal? {
        let familyID: UUID?
        let sessionHash: String?
        switch principal.credential {
        case .bearer(let family): (familyID, sessionHash) = (family, nil)
        case .session(let hash): (familyID, sessionHash) = (nil, hash)
        }
        // Not through Accounts and Logins: one statement joins them all, so a long-lived stream's check costs one round trip.
        let rows = try await postgres.query(
            """
            SELECT u.is_active,
                   CASE WHEN \(familyID)::uuid IS NOT NULL
                        THEN EXISTS (SELECT 1 FROM token_families f WHERE f.id = \(familyID) AND f.user_id = u.id AND f.revoked_at IS NULL)
                        ELSE EXISTS (SELECT 1 FROM sessions s WHERE s.token_hash = \(sessionHash) AND s.user_id = u.id
                                     AND s.revoked_at IS NULL AND s.expires_at > now())
                   END,
                   m.role, \(unescaped: PremiumGate.columns(of: "o")), \(unescaped: Self.secondFactorMissing)
            FROM users u
            LEFT JOIN memberships m ON m.user_id = u.id AND m.organization_id = \(principal.organizationID)
            LEFT JOIN organizations o ON o.id = m.organization_id
            WHERE u.id = \(principal.userID)
            """,
            logger: logger
        )
        for try await (active, live, role, status, trialEnds, subscribed, factorMissing) in rows.decode(
            (Bool, Bool, String?, String?, Date?, Bool?, Bool).self
        ) {
            guard active, live, !factorMissing else { return nil }
            if principal.organizationID != nil && role == nil { return nil }
            return Self.principal(
                userID: principal.userID,
                email: principal.email,
                organizationID: principal.organizationID,
                role: role,
                credential: principal.credential,
                standing: PremiumGate.standing(status, trialEnds, subscribed),
                secondFactorMissing: false
            )
        }
        return nil
    }

    /// The role `userID` holds in `organizationID` now; nil when none, or the account is deactivated.
    public func currentRole(of userID: UUID, in organizationID: UUID) async throws -> Role? {
        try await postgres.withConnection { connection in
            try await memberships.role(of: userID, in: organizationID, activeAccountOnly: true, on: connection)
        }
    }
}
