import Foundation
import Logging
import PostgresNIO

/// Accounts, logins, tokens and browser sessions. Every change that matters for security writes its
/// audit-log row in the same transaction. Other domains use `accounts` and `logins` only.
public struct IdentityService: Sendable {
    let postgres: PostgresClient
    let accounts: Accounts
    let logins: Logins
    var memberships: MembershipTable { MembershipTable(logger: logger) }
    let hasher: PasswordHasher
    let throttle: Throttle
    /// Principals authenticated by this process, and the change counters that say when they are not
    /// current any more.
    public let principals: PrincipalCache
    public let stamps: PrincipalStamps
    let settings: IdentitySettings
    /// Where account mail goes (verification, reset, security notices); nil in operator commands,
    /// which send none.
    let outbox: Outbox?
    var accountTokens: AccountTokenTable { AccountTokenTable(logger: logger) }
    var loginAddresses: LoginAddressTable { LoginAddressTable(logger: logger) }
    var twoFactor: TwoFactorTable { TwoFactorTable(logger: logger) }
    /// Encrypts second-factor secrets at rest (`FERNET_KEYS`, validated when the secrets loaded).
    let fernet: Fernet?
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
        outbox: Outbox? = nil,
        logger: Logger
    ) async {
        self.outbox = outbox
        self.fernet = try? Fernet(keys: secrets.fernetKeys)
        self.trialLength = TimeInterval(trialDays) * 86_400
        self.postgres = postgres
        let tokens = await TokenIssuer(
            signingKey: secrets.jwtSigningKey,
            verifyingKeys: secrets.jwtVerifyingKeys,
            accessLifetime: settings.accessTokenLifetime,
            refreshLifetime: settings.refreshTokenLifetime
        )
        let hasher = PasswordHasher(cost: settings.bcryptCost)
        self.hasher = hasher
        self.accounts = Accounts(hasher: hasher, logger: logger)
        self.logins = Logins(tokens: tokens, logger: logger)
        self.throttle = Throttle(redis: redis, window: settings.throttleWindow, logger: logger)
        self.principals = PrincipalCache()
        self.stamps = PrincipalStamps(redis: redis, logger: logger)
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
}
