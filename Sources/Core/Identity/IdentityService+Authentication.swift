import Foundation
import PostgresNIO

extension IdentityService {
    /// A request's caller, and its request budget when that was counted in the same round trip.
    public struct Authentication: Sendable {
        public let principal: Principal
        /// Browser sessions: the digest of the session's CSRF token, for unsafe methods.
        public let csrfDigest: String?
        /// The budget as counted alongside the stamps; judged by `charge`, after the caller's own
        /// checks (CSRF), so their answers keep coming first.
        let spent: Throttle.Spent?
        /// The values of the caller's `alongside` keys, read in the same round trip; nil when they
        /// were not read (the budget was counted apart, or Redis did not answer).
        public var alongside: [String?]? = nil
    }

    /// The principal of a bearer access token: signature, expiry and type, then the account (still
    /// active), the family (not revoked), the role in the token's organization and that
    /// organization's subscription, as of this request. With `budgeted`, the request budget is
    /// counted in the same Redis round trip that tells whether the principal remembered for this
    /// login is still current (`PrincipalCache`); only then is PostgreSQL not asked.
    public func authenticate(accessToken: String, budgeted: Bool, alongside: [String] = []) async throws -> Authentication {
        let claims = try await logins.tokens.verify(accessToken, as: .access)
        guard let userID = UUID(uuidString: claims.userID), let familyID = UUID(uuidString: claims.familyID) else {
            throw IdentityError.invalidToken
        }
        let organizationID = claims.organizationID.flatMap(UUID.init(uuidString:))
        let key = PrincipalCache.Key.bearer(familyID: familyID, userID: userID, organizationID: organizationID)
        guard budgeted else {
            return Authentication(
                principal: try await loadBearer(userID, familyID, organizationID).principal(),
                csrfDigest: nil,
                spent: nil
            )
        }
        // The stamp is read before PostgreSQL: a change committed in between shows as a new stamp
        // on the next request, never as an old one stored with new rows.
        let era = principals.era
        let (spent, stamp, values) = await spendReadingStamp(user: userID, organization: organizationID, alongside: alongside)
        if let entry = principals.principal(key, stamp: stamp) {
            return Authentication(principal: entry.principal(), csrfDigest: nil, spent: spent, alongside: values)
        }
        let entry = try await loadBearer(userID, familyID, organizationID, stamp: stamp)
        principals.store(key, entry, era: era)
        return Authentication(principal: entry.principal(), csrfDigest: nil, spent: spent, alongside: values)
    }

    /// The principal of a browser session cookie, with the digest of the session's CSRF token.
    /// The cache works as for bearer tokens once a first request has said whose session it is.
    public func authenticate(sessionToken: String, budgeted: Bool, alongside: [String] = []) async throws -> Authentication {
        let digest = SecretToken.digest(sessionToken)
        let key = PrincipalCache.Key.session(tokenHash: digest)
        var spent: Throttle.Spent?
        var stamp: PrincipalStamps.Stamp?
        var values: [String?]?
        let era = principals.era
        let known = principals.entry(key)?.principal
        if budgeted, let known {
            (spent, stamp, values) = await spendReadingStamp(user: known.userID, organization: known.organizationID, alongside: alongside)
            if let entry = principals.principal(key, stamp: stamp) {
                return Authentication(principal: entry.principal(), csrfDigest: entry.csrfDigest, spent: spent, alongside: values)
            }
        }
        let entry: PrincipalCache.Entry
        do {
            entry = try await loadSession(digest, stamp: stamp)
        } catch {
            principals.forget(key)
            throw error
        }
        // Stamped only when read for this very user and organization before the rows were.
        let stamped = known?.userID == entry.principal.userID && known?.organizationID == entry.principal.organizationID
        principals.store(key, stamped ? entry : entry.unstamped(), era: era)
        return Authentication(principal: entry.principal(), csrfDigest: entry.csrfDigest, spent: spent, alongside: values)
    }

    /// Counts the request against the caller's budget, unless `authenticate` already did, and
    /// throws `throttled` once it is spent.
    public func charge(_ authentication: Authentication) async throws {
        if let spent = authentication.spent { return try spent.check() }
        let budget = RequestBudget.user(authentication.principal.userID)
        try await throttle.spend(budget.key, limit: budget.limit)
    }

    /// The budget spent, the stamp, and the values of `alongside`, in one round trip.
    private func spendReadingStamp(user userID: UUID, organization organizationID: UUID?, alongside: [String]) async -> (
        Throttle.Spent, PrincipalStamps.Stamp?, [String?]?
    ) {
        let budget = RequestBudget.user(userID)
        let keys = PrincipalStamps.keys(user: userID, organization: organizationID)
        let (spent, values) = await throttle.spend(budget.key, limit: budget.limit, reading: keys + alongside)
        let stamp = await stamps.stamp(values.map { Array($0.prefix(keys.count)) }, organization: organizationID)
        return (spent, stamp, values.map { Array($0.dropFirst(keys.count)) })
    }

    private func loadBearer(_ userID: UUID, _ familyID: UUID, _ organizationID: UUID?, stamp: PrincipalStamps.Stamp? = nil) async throws
        -> PrincipalCache.Entry
    {
        // Not through Accounts and Logins: one statement joins them all, so a request costs one round trip.
        let rows = try await postgres.query(
            """
            SELECT u.email, u.is_active, f.revoked_at IS NULL AND f.user_id = u.id, m.role, \(unescaped: PremiumGate.columns(of: "o")),
                   \(unescaped: Self.secondFactorMissing)
            FROM users u
            LEFT JOIN token_families f ON f.id = \(familyID)
            LEFT JOIN memberships m ON m.user_id = u.id AND m.organization_id = \(organizationID)
            LEFT JOIN organizations o ON o.id = m.organization_id
            WHERE u.id = \(userID)
            """,
            logger: logger
        )
        for try await (email, active, familyLive, role, status, trialEnds, subscribed, factorMissing) in rows.decode(
            (String, Bool, Bool?, String?, String?, Date?, Bool?, Bool).self
        ) {
            guard active, familyLive == true else { throw IdentityError.invalidToken }
            let standing = PremiumGate.standing(status, trialEnds, subscribed)
            return PrincipalCache.Entry(
                principal: Self.principal(
                    userID: userID,
                    email: email,
                    organizationID: organizationID,
                    role: role,
                    credential: .bearer(familyID: familyID),
                    standing: standing,
                    secondFactorMissing: factorMissing
                ),
                standing: standing,
                csrfDigest: nil,
                expiresAt: nil,
                stamp: stamp,
                storedAt: .now
            )
        }
        throw IdentityError.invalidToken
    }

    private func loadSession(_ digest: String, stamp: PrincipalStamps.Stamp?) async throws -> PrincipalCache.Entry {
        // Not through Accounts and Logins: one statement joins them all, so a request costs one round trip.
        let rows = try await postgres.query(
            """
            SELECT s.user_id, u.email, u.is_active, s.organization_id, m.role, s.csrf_hash, s.expires_at,
                   \(unescaped: PremiumGate.columns(of: "o")), \(unescaped: Self.secondFactorMissing)
            FROM sessions s
            JOIN users u ON u.id = s.user_id
            LEFT JOIN memberships m ON m.user_id = s.user_id AND m.organization_id = s.organization_id
            LEFT JOIN organizations o ON o.id = m.organization_id
            WHERE s.token_hash = \(digest) AND s.revoked_at IS NULL AND s.expires_at > now()
            """,
            logger: logger
        )
        for try await (userID, email, active, organizationID, role, csrf, expiresAt, status, trialEnds, subscribed, factorMissing)
            in rows.decode((UUID, String, Bool, UUID?, String?, String, Date, String?, Date?, Bool?, Bool).self)
        {
            guard active else { throw IdentityError.invalidToken }
            let standing = PremiumGate.standing(status, trialEnds, subscribed)
            return PrincipalCache.Entry(
                principal: Self.principal(
                    userID: userID,
                    email: email,
                    organizationID: organizationID,
                    role: role,
                    credential: .session(tokenHash: digest),
                    standing: standing,
                    secondFactorMissing: factorMissing
                ),
                standing: standing,
                csrfDigest: csrf,
                expiresAt: expiresAt,
                stamp: stamp,
                storedAt: .now
            )
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
        standing: PremiumGate.Standing?,
        secondFactorMissing: Bool
    ) -> Principal {
        let role = role.flatMap(Role.init(rawValue:))
        return Principal(
            userID: userID,
            email: email,
            organizationID: role == nil ? nil : organizationID,
            role: role,
            credential: credential,
            premiumAllowed: standing?.allowsPremium() ?? false,
            secondFactorMissing: role != nil && secondFactorMissing
        )
    }

    /// Whether the organization `o` requires a second factor that the user `u` lacks, for the
    /// statements above (false without an organization).
    static let secondFactorMissing = """
        (coalesce(o.require_two_factor, false)
         AND NOT EXISTS (SELECT 1 FROM two_factor t WHERE t.user_id = u.id AND t.confirmed_at IS NOT NULL))
        """
}

extension PrincipalCache.Entry {
    /// The same entry, kept only to say whose login it is.
    func unstamped() -> Self {
        Self(principal: principal, standing: standing, csrfDigest: csrfDigest, expiresAt: expiresAt, stamp: nil, storedAt: storedAt)
    }
}
