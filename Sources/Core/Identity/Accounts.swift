import Foundation
import Logging
import PostgresNIO

/// Every statement on `users` but the per-request principal reads (authentication and
/// re-authorization join it with logins, memberships and the subscription in one statement each, so
/// a request costs one round trip). Other domains ask it who a user is and for a new account for an
/// invited address; roles are `MembershipTable`'s. The identity service's flows (registration,
/// login, profile, activation) build on the same statements.
struct Accounts: Sendable {
    let hasher: PasswordHasher
    let logger: Logger

    /// The name and password hash an invitee gives for the account an invitation creates or takes
    /// over: both required (every missing field is named at once), the password rules apply.
    func invitedCredentials(email: String, password: String?, fullName: String?) async throws -> (name: String, hash: String) {
        var errors: [String: [String]] = [:]
        if password == nil { errors["password"] = ["This field is required to create your account."] }
        if fullName == nil { errors["full_name"] = ["This field is required to create your account."] }
        if !errors.isEmpty { throw IdentityError.validation(errors) }
        let name = try IdentityService.validatedName(fullName ?? "", field: "full_name", required: true)
        try IdentityService.validatedPassword(password ?? "", email: email)
        return (name, try await hasher.hash(password ?? ""))
    }

    /// Creates the account an invitation to `email` asks for, logged in now; `verified` when the
    /// token came through the address's mail.
    func createInvited(email: String, name: String, passwordHash: String, verified: Bool, on connection: PostgresConnection)
        async throws -> UUID
    {
        let rows = try await connection.query(
            """
            INSERT INTO users (email, full_name, password_hash, last_login_at, email_verified_at)
            VALUES (\(email), \(name), \(passwordHash), now(), CASE WHEN \(verified) THEN now() END)
            RETURNING id
            """,
            logger: logger
        )
        for try await id in rows.decode(UUID.self) { return id }
        throw NotFound(.user)
    }

    /// A new, logged-in account for a registration; nil when `email` has an account already.
    func insertRegistered(email: String, fullName: String, passwordHash: String, on connection: PostgresConnection) async throws
        -> UUID?
    {
        let rows = try await connection.query(
            """
            INSERT INTO users (email, full_name, password_hash, last_login_at) VALUES (\(email), \(fullName), \(passwordHash), now())
            ON CONFLICT (email) DO NOTHING
            RETURNING id
            """,
            logger: logger
        )
        for try await id in rows.decode(UUID.self) { return id }
        return nil
    }

    /// The account with `email`, locked until the transaction ends: its id, whether it is active and
    /// whether it ever proved its address; nil when there is none.
    func lockAccount(email: String, on connection: PostgresConnection) async throws -> (id: UUID, isActive: Bool, isVerified: Bool)? {
        let rows = try await connection.query(
            "SELECT id, is_active, email_verified_at IS NOT NULL FROM users WHERE email = \(email) FOR UPDATE",
            logger: logger
        )
        for try await (id, active, verified) in rows.decode((UUID, Bool, Bool).self) { return (id, active, verified) }
        return nil
    }

    /// Gives an account that never proved its address to whoever proved it since (an invitation's
    /// holder): their name and password, the address verified, logged in now.
    func takeOver(_ userID: UUID, fullName: String, passwordHash: String, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            UPDATE users SET full_name = \(fullName), password_hash = \(passwordHash), email_verified_at = now(), last_login_at = now()
            WHERE id = \(userID)
            """,
            logger: logger
        )
    }

    func user(id: UUID, on connection: PostgresConnection) async throws -> User? {
        try await user(id: id, locking: false, on: connection)
    }

    /// The user, locked until the transaction ends.
    func lockUser(_ id: UUID, on connection: PostgresConnection) async throws -> User? {
        try await user(id: id, locking: true, on: connection)
    }

    private func user(id: UUID, locking: Bool, on connection: PostgresConnection) async throws -> User? {
        let rows = try await connection.query(
            """
            SELECT id, email, full_name, is_active, created_at, email_verified_at IS NOT NULL, notify_new_login
            FROM users WHERE id = \(id) \(unescaped: locking ? "FOR UPDATE" : "")
            """,
            logger: logger
        )
        for try await (id, email, name, active, created, verified, notify) in rows.decode(
            (UUID, String, String, Bool, Date, Bool, Bool).self
        ) {
            return User(
                id: id,
                email: email,
                fullName: name,
                isActive: active,
                createdAt: created,
                emailVerified: verified,
                notifyNewLogin: notify
            )
        }
        return nil
    }

    /// What a login checks against: the account with `email`, its password hash and whether it is
    /// active; nil when there is none.
    func credentials(email: String, on connection: PostgresConnection) async throws -> (id: UUID, hash: String, active: Bool)? {
        let rows = try await connection.query("SELECT id, password_hash, is_active FROM users WHERE email = \(email)", logger: logger)
        for try await (id, hash, active) in rows.decode((UUID, String, Bool).self) { return (id, hash, active) }
        return nil
    }

    /// The stored password hash of `userID`; nil when there is no such account.
    func passwordHash(of userID: UUID, on connection: PostgresConnection) async throws -> String? {
        let rows = try await connection.query("SELECT password_hash FROM users WHERE id = \(userID)", logger: logger)
        for try await hash in rows.decode(String.self) { return hash }
        return nil
    }

    func setFullName(_ name: String, of userID: UUID, on connection: PostgresConnection) async throws {
        try await connection.query("UPDATE users SET full_name = \(name) WHERE id = \(userID)", logger: logger)
    }

    func setNotifyNewLogin(_ notify: Bool, of userID: UUID, on connection: PostgresConnection) async throws {
        try await connection.query("UPDATE users SET notify_new_login = \(notify) WHERE id = \(userID)", logger: logger)
    }

    /// Whether an account other than `userID` has `email`.
    func isTaken(_ email: String, byOtherThan userID: UUID, on connection: PostgresConnection) async throws -> Bool {
        try await connection.count("SELECT count(*) FROM users WHERE email = \(email) AND id <> \(userID)", logger: logger) > 0
    }

    func setPasswordHash(_ hash: String, of userID: UUID, on connection: PostgresConnection) async throws {
        try await connection.query("UPDATE users SET password_hash = \(hash) WHERE id = \(userID)", logger: logger)
    }

    /// Activates or deactivates the account with `email`; its id, or nil when there is none.
    func setActive(_ active: Bool, email: String, on connection: PostgresConnection) async throws -> UUID? {
        let rows = try await connection.query("UPDATE users SET is_active = \(active) WHERE email = \(email) RETURNING id", logger: logger)
        for try await id in rows.decode(UUID.self) { return id }
        return nil
    }

    /// Stamps a successful login.
    func recordLogin(of userID: UUID, on connection: PostgresConnection) async throws {
        try await connection.query("UPDATE users SET last_login_at = now() WHERE id = \(userID)", logger: logger)
    }

    /// The address is proved (and becomes the account's, for an address change). False when
    /// another account has taken that address meanwhile.
    func verifyEmail(_ email: String, of userID: UUID, on connection: PostgresConnection) async throws -> Bool {
        let rows = try await connection.query(
            """
            UPDATE users SET email = \(email), email_verified_at = now()
            WHERE id = \(userID) AND NOT EXISTS (SELECT 1 FROM users WHERE email = \(email) AND id <> \(userID))
            RETURNING id
            """,
            logger: logger
        )
        for try await _ in rows.decode(UUID.self) { return true }
        return false
    }
}
