import Foundation
import Logging
import PostgresNIO

/// Accounts, logins, tokens and browser sessions. Every change that matters for security writes its
/// audit-log row in the same transaction.
public struct IdentityService: Sendable {
    let postgres: PostgresClient
    let tokens: TokenIssuer
    let hasher: PasswordHasher
    let throttle: Throttle
    let settings: IdentitySettings
    /// Free trial of a new organization (`TRIAL_DAYS`).
    let trialLength: TimeInterval
    let logger: Logger
    /// Compared against when a login names no known user, so both cases cost one bcrypt.
    let decoyHash: Task<String, any Error>

    /// Request budgets from the issue: per (IP, e-mail) failed logins, per-IP calls to the
    /// authentication endpoints, and per-user calls to everything else.
    public static let loginFailureLimit = 5
    public static let authenticationRequestLimit = 30
    public static let userRequestLimit = 1000

    public init(
        postgres: PostgresClient,
        redis: RedisClient,
        secrets: Secrets,
        settings: IdentitySettings,
        trialDays: Int = 14,
        logger: Logger
    ) async {
        self.trialLength = TimeInterval(trialDays) * 86_400
        self.postgres = postgres
        self.tokens = await TokenIssuer(
            signingKey: secrets.jwtSigningKey,
            verifyingKeys: secrets.jwtVerifyingKeys,
            accessLifetime: settings.accessTokenLifetime,
            refreshLifetime: settings.refreshTokenLifetime
        )
        let hasher = PasswordHasher(cost: settings.bcryptCost)
        self.hasher = hasher
        self.throttle = Throttle(redis: redis, window: settings.throttleWindow, logger: logger)
        self.settings = settings
        self.logger = logger
        self.decoyHash = Task { try await hasher.decoy() }
    }

    /// Lower-cased and trimmed, or a field error DRF-style.
    static func normalizedEmail(_ raw: String, field: String = "email") throws(IdentityError) -> String {
        let email = raw.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard email.count <= 254, parts.count == 2, !parts[0].isEmpty, parts[1].contains("."),
            !parts[1].hasPrefix("."), !parts[1].hasSuffix("."), !email.contains(where: \.isWhitespace)
        else {
            throw .validation([field: ["Enter a valid email address."]])
        }
        return email
    }

    static func validatedPassword(_ password: String, email: String, field: String = "password") throws(IdentityError) {
        let problems = PasswordPolicy.problems(with: password, email: email)
        if !problems.isEmpty { throw .validation([field: problems]) }
    }

    static func validatedName(_ name: String, field: String, required: Bool) throws(IdentityError) -> String {
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        if required && trimmed.isEmpty { throw .validation([field: ["This field may not be blank."]]) }
        if trimmed.count > 200 { throw .validation([field: ["Ensure this field has no more than 200 characters."]]) }
        return trimmed
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

    /// The user's role in `organizationID`, or nil when not a member.
    func role(of userID: UUID, in organizationID: UUID, on connection: PostgresConnection) async throws -> Role? {
        let rows = try await connection.query(
            "SELECT role FROM memberships WHERE user_id = \(userID) AND organization_id = \(organizationID)",
            logger: logger
        )
        for try await role in rows.decode(String.self) { return Role(rawValue: role) }
        return nil
    }

    /// The organization a login lands in when none is asked for: the one joined first.
    func defaultOrganization(of userID: UUID, on connection: PostgresConnection) async throws -> UUID? {
        let rows = try await connection.query(
            "SELECT organization_id FROM memberships WHERE user_id = \(userID) ORDER BY joined_at, organization_id LIMIT 1",
            logger: logger
        )
        for try await id in rows.decode(UUID.self) { return id }
        return nil
    }

    func user(id: UUID, on connection: PostgresConnection) async throws -> User? {
        let rows = try await connection.query(
            "SELECT id, email, full_name, is_active, created_at FROM users WHERE id = \(id)",
            logger: logger
        )
        for try await (id, email, name, active, created) in rows.decode((UUID, String, String, Bool, Date).self) {
            return User(id: id, email: email, fullName: name, isActive: active, createdAt: created)
        }
        return nil
    }
}
