import Foundation
import Logging
import PostgresNIO

/// Accounts and memberships as other domains need them: who a user is, which role they hold, and
/// a new account for an invited address. The identity service's own flows (registration, login,
/// profile) build on the same statements.
struct Accounts: Sendable {
    let hasher: PasswordHasher
    let logger: Logger

    /// Creates the account an invitation to `email` asks for, from the invitee's `password` and
    /// `fullName` (both required there; every missing field is named at once).
    func createInvited(email: String, password: String?, fullName: String?, on connection: PostgresConnection) async throws -> UUID {
        var errors: [String: [String]] = [:]
        if password == nil { errors["password"] = ["This field is required to create your account."] }
        if fullName == nil { errors["full_name"] = ["This field is required to create your account."] }
        if !errors.isEmpty { throw IdentityError.validation(errors) }
        let name = try IdentityService.validatedName(fullName ?? "", field: "full_name", required: true)
        try IdentityService.validatedPassword(password ?? "", email: email)
        let hash = try await hasher.hash(password ?? "")
        let rows = try await connection.query(
            """
            INSERT INTO users (email, full_name, password_hash, last_login_at) VALUES (\(email), \(name), \(hash), now())
            RETURNING id
            """,
            logger: logger
        )
        for try await id in rows.decode(UUID.self) { return id }
        throw NotFound(.user)
    }

    /// The id of the account with `email` and whether it is active; nil when there is none.
    func account(email: String, on connection: PostgresConnection) async throws -> (id: UUID, isActive: Bool)? {
        let rows = try await connection.query("SELECT id, is_active FROM users WHERE email = \(email)", logger: logger)
        for try await (id, active) in rows.decode((UUID, Bool).self) { return (id, active) }
        return nil
    }

    /// The user's role in `organizationID`, or nil when not a member.
    func role(of userID: UUID, in organizationID: UUID, on connection: PostgresConnection) async throws -> Role? {
        try await MembershipTable(logger: logger).role(of: userID, in: organizationID, on: connection)
    }

    /// The organization a login lands in when none is asked for: the one joined first.
    func defaultOrganization(of userID: UUID, on connection: PostgresConnection) async throws -> UUID? {
        try await MembershipTable(logger: logger).firstOrganization(of: userID, on: connection)
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
