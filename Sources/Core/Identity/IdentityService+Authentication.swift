import Foundation
import PostgresNIO

extension IdentityService {
    /// The principal of a bearer access token: signature, expiry and type, then on every request
    /// the account (still active), the family (not revoked), the role in the token's organization
    /// and that organization's subscription.
    public func authenticate(accessToken: String) async throws -> Principal {
        let claims = try await tokens.verify(accessToken, as: .access)
        guard let userID = UUID(uuidString: claims.userID), let familyID = UUID(uuidString: claims.familyID) else {
            throw IdentityError.invalidToken
        }
        let organizationID = claims.organizationID.flatMap(UUID.init(uuidString:))
        let rows = try await postgres.query(
            """
            SELECT u.email, u.is_active, f.revoked_at IS NULL AND f.user_id = u.id, m.role,
                   o.subscription_status, o.trial_ends_at, o.stripe_subscription_id IS NOT NULL
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
                subscription: Self.subscription(status, trialEnds, subscribed)
            )
        }
        throw IdentityError.invalidToken
    }

    /// The principal of a browser session cookie, with the digest of the session's CSRF token.
    public func authenticate(sessionToken: String) async throws -> (principal: Principal, csrfDigest: String) {
        let digest = SecretToken.digest(sessionToken)
        let rows = try await postgres.query(
            """
            SELECT s.user_id, u.email, u.is_active, s.organization_id, m.role, s.csrf_hash,
                   o.subscription_status, o.trial_ends_at, o.stripe_subscription_id IS NOT NULL
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
                subscription: Self.subscription(status, trialEnds, subscribed)
            )
            return (principal, csrf)
        }
        throw IdentityError.invalidToken
    }

    /// Counts a request against the caller's budget (per user, or per IP when anonymous).
    public func spendRequestBudget(principal: Principal?, ip: String) async throws {
        let key = principal.map { "user:\($0.userID.apiString)" } ?? "anonymous:\(Throttle.network(of: ip))"
        try await throttle.spend(key, limit: Self.userRequestLimit)
    }

    /// Counts a call to an authentication endpoint (login, refresh, register, ...) against the
    /// caller's address (an IPv6 caller's /64).
    func spendAuthenticationBudget(ip: String) async throws(IdentityError) {
        try await throttle.spend("auth-ip:\(Throttle.network(of: ip))", limit: Self.authenticationRequestLimit)
    }

    static func subscription(_ status: String?, _ trialEnds: Date?, _ subscribed: Bool?) -> Subscription? {
        status.map {
            Subscription(
                status: $0,
                plan: nil,
                currentPeriodEnd: nil,
                cancelAtPeriodEnd: false,
                trialEndsAt: trialEnds,
                hasStripeSubscription: subscribed ?? false
            )
        }
    }

    /// A membership that no longer exists leaves the principal without an organization: the login
    /// stays valid, organization endpoints answer 404 until the user switches.
    static func principal(
        userID: UUID,
        email: String,
        organizationID: UUID?,
        role: String?,
        credential: Principal.Credential,
        subscription: Subscription?
    ) -> Principal {
        let role = role.flatMap(Role.init(rawValue:))
        return Principal(
            userID: userID,
            email: email,
            organizationID: role == nil ? nil : organizationID,
            role: role,
            credential: credential,
            premiumAllowed: subscription?.allowsPremium() ?? false
        )
    }
}
