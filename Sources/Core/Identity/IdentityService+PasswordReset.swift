import Foundation
import PostgresNIO

/// A forgotten password: `auth/password-reset/` mails a one-time token (1 h) to an address that has
/// an account, and answers the same whether it has one or not; `auth/password-reset/confirm/` spends
/// the token, sets the new password and signs out everywhere.
extension IdentityService {
    /// Reset mails one account may be sent per hour; requests beyond are answered as usual and
    /// send nothing, so the answer says nothing about the address.
    public static let passwordResetMailLimit = 5

    /// `POST auth/password-reset/`. Throttled per IP like the other authentication endpoints, and
    /// per address by `passwordResetMailLimit`.
    public func requestPasswordReset(email rawEmail: String, ip: String) async throws {
        try await spendAuthenticationBudget(.passwordReset, ip: ip)
        let email = try Self.normalizedEmail(rawEmail)
        guard let outbox else { return }
        let queued = try await postgres.transaction(logger: logger) { connection -> Outbox.Queued? in
            let rows = try await connection.query(
                "SELECT id, full_name FROM users WHERE email = \(email) AND is_active FOR UPDATE",
                logger: logger
            )
            var found: (UUID, String)?
            for try await row in rows.decode((UUID, String).self) { found = row }
            guard let (userID, name) = found else { return nil }
            let recent = try await EmailTable(logger: logger).count(
                userID: userID,
                template: .passwordReset,
                since: Date().addingTimeInterval(-3_600),
                on: connection
            )
            guard recent < Self.passwordResetMailLimit else { return nil }
            let token = try await accountTokens.issue(.passwordReset, userID: userID, email: email, on: connection)
            try await recordForUser(userID, action: .passwordResetRequested, ip: ip, metadata: [:], on: connection)
            return try await outbox.add(
                Outbox.Letter(.passwordReset, to: email, name: name, userID: userID, context: ["name": name], token: token),
                on: connection
            )
        }
        await outbox.publish(queued.map { [$0] } ?? [])
    }

    /// `POST auth/password-reset/confirm/`: the password rules apply (400 on `password`); every
    /// login and session of the account is revoked, and the address counts as verified, since the
    /// token came to it. A used, expired or unknown token is a 400 on `token`.
    public func confirmPasswordReset(token rawToken: String, password: String, ip: String) async throws {
        try await spendAuthenticationBudget(.passwordReset, ip: ip)
        let token = try Self.presentedToken(rawToken)
        let invalid = IdentityError.validation(["token": ["This link is invalid, was already used or has expired; ask for a new one."]])
        guard let (_, email) = try await postgres.withConnection({ try await accountTokens.peek(token, .passwordReset, on: $0) }) else {
            throw invalid
        }
        try Self.validatedPassword(password, email: email)
        let hash = try await hasher.hash(password)
        let (userID, notice) = try await postgres.transaction(logger: logger) { connection -> (UUID, Outbox.Queued?) in
            guard let (userID, email) = try await accountTokens.spend(token, .passwordReset, on: connection) else { throw invalid }
            try await accounts.setPasswordHash(hash, of: userID, on: connection)
            try await logins.revokeAll(of: userID, reason: .passwordChange, on: connection)
            try await accountTokens.revoke(.passwordReset, userID: userID, on: connection)
            _ = try await accounts.verifyEmail(email, of: userID, on: connection)
            try await recordForUser(userID, action: .passwordReset, ip: ip, metadata: [:], on: connection)
            return (userID, try await queueSecurityNotice(.passwordChanged, userID: userID, context: [:], on: connection))
        }
        await stamps.changed(.user(userID))
        await outbox?.publish(notice.map { [$0] } ?? [])
    }

    /// Writes a short security notice (password changed, address changing, a new login) to the
    /// account's current address, in the caller's transaction; nil without an outbox.
    func queueSecurityNotice(
        _ template: MailTemplate,
        userID: UUID,
        context: [String: String],
        to address: String? = nil,
        on connection: PostgresConnection
    ) async throws -> Outbox.Queued? {
        guard let outbox, let user = try await accounts.user(id: userID, on: connection) else { return nil }
        var values = context
        values["name"] = user.fullName
        return try await outbox.add(
            Outbox.Letter(template, to: address ?? user.email, name: user.fullName, userID: userID, context: values),
            on: connection
        )
    }
}
