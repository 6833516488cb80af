import Foundation
import PostgresNIO

extension IdentityService {
    /// `users/me`: the user and their organizations, oldest membership first.
    public func profile(userID: UUID) async throws -> Profile {
        try await postgres.withConnection { connection in try await profile(userID: userID, on: connection) }
    }

    func profile(userID: UUID, on connection: PostgresConnection) async throws -> Profile {
        guard let user = try await accounts.user(id: userID, on: connection) else { throw NotFound(.user) }
        return Profile(
            user: user,
            organizations: try await memberships.roles(of: userID, on: connection),
            twoFactorEnabled: try await twoFactor.isEnrolled(userID, on: connection)
        )
    }

    /// `PATCH users/me`: the full name, the new-login notice setting, and the address. A new
    /// address takes effect only once the link mailed to it is used (`auth/verify-email/`); until
    /// then the account keeps the old one, which is told of the change. The newest request wins:
    /// earlier unused verification links stop working.
    public func updateProfile(_ principal: Principal, fullName: String?, email: String?, notifyNewLogin: Bool?, ip: String) async throws
        -> Profile
    {
        let name = try fullName.map { try Self.validatedName($0, field: "full_name", required: true) }
        let newEmail = try email.map { try Self.normalizedEmail($0) }.flatMap { $0 == principal.email.lowercased() ? nil : $0 }
        if newEmail != nil, outbox == nil {
            throw IdentityError.validation(["email": ["Mail is not configured, so the address cannot be verified."]])
        }
        let mail = try await postgres.transaction(logger: logger) { connection -> [Outbox.Queued] in
            if let name { try await accounts.setFullName(name, of: principal.userID, on: connection) }
            if let notifyNewLogin { try await accounts.setNotifyNewLogin(notifyNewLogin, of: principal.userID, on: connection) }
            guard let newEmail else { return [] }
            return try await requestEmailChange(principal, to: newEmail, ip: ip, on: connection)
        }
        await outbox?.publish(mail)
        return try await profile(userID: principal.userID)
    }

    /// The verification mail to `newEmail` and the notice to the current address; at most
    /// `verificationResendLimit` changes an hour.
    private func requestEmailChange(_ principal: Principal, to newEmail: String, ip: String, on connection: PostgresConnection) async throws
        -> [Outbox.Queued]
    {
        // Saying "taken" here would let any account probe addresses; registration is as vague.
        if try await accounts.isTaken(newEmail, byOtherThan: principal.userID, on: connection) {
            throw IdentityError.validation(["email": ["Unable to use this email address."]])
        }
        // The user's row is the lock that makes concurrent changes count one at a time.
        guard let user = try await accounts.lockUser(principal.userID, on: connection) else { throw NotFound(.user) }
        try await spendVerificationBudget(of: principal.userID, reason: "email_change", on: connection)
        try await accountTokens.revoke(.verifyEmail, userID: principal.userID, on: connection)
        let verification = try await queueVerification(
            userID: principal.userID,
            email: newEmail,
            name: user.fullName,
            reason: "email_change",
            on: connection
        )
        let notice = try await queueSecurityNotice(
            .emailChanged,
            userID: principal.userID,
            context: ["new_email": newEmail],
            on: connection
        )
        try await recordForUser(principal.userID, action: .emailChangeRequested, ip: ip, metadata: ["email": newEmail], on: connection)
        return [verification, notice].compactMap { $0 }
    }

    /// `users/me/password/`: checks the current password, sets the new one and revokes every token
    /// family and every other browser session of the user.
    public func changePassword(_ principal: Principal, current: String, new: String, ip: String) async throws {
        let attempt = try await reserve(.passwordFailures(principal.userID))
        let stored = try await postgres.withConnection { connection in
            try await accounts.passwordHash(of: principal.userID, on: connection)
        }
        guard try await hasher.verify(current, against: stored ?? "") else {
            throw IdentityError.validation(["current_password": ["Your old password was entered incorrectly. Please enter it again."]])
        }
        await throttle.release(attempt)
        try Self.validatedPassword(new, email: principal.email, field: "new_password")
        let hash = try await hasher.hash(new)
        let keptSession: String? = if case .session(let tokenHash) = principal.credential { tokenHash } else { nil }
        let notice = try await postgres.transaction(logger: logger) { connection in
            try await accounts.setPasswordHash(hash, of: principal.userID, on: connection)
            try await logins.revokeAll(of: principal.userID, reason: .passwordChange, keepingSession: keptSession, on: connection)
            try await accountTokens.revoke(.passwordReset, userID: principal.userID, on: connection)
            if let organization = principal.organizationID {
                try await AuditLog.record(
                    AuditEvent(
                        organizationID: organization,
                        actorID: principal.userID,
                        action: .passwordChanged,
                        targetType: .user,
                        targetID: principal.userID.apiString,
                        ip: ip
                    ),
                    on: connection,
                    logger: logger
                )
            }
            return try await queueSecurityNotice(.passwordChanged, userID: principal.userID, context: [:], on: connection)
        }
        await stamps.changed(.user(principal.userID))
        await outbox?.publish(notice.map { [$0] } ?? [])
    }
}

extension IdentityService {
    /// Operator action (`AuditAPI deactivate-user` / `activate-user`). Deactivation also revokes every
    /// login and session, though each request re-checks the flag anyway. False for an unknown e-mail.
    public func setActive(email rawEmail: String, active: Bool) async throws -> Bool {
        let email = rawEmail.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        let changed: UUID? = try await postgres.transaction(logger: logger) { connection in
            guard let userID = try await accounts.setActive(active, email: email, on: connection) else { return nil }
            if !active {
                try await logins.revokeAll(of: userID, reason: .deactivated, on: connection)
            }
            for organization in try await memberships.organizations(of: userID, on: connection) {
                try await AuditLog.record(
                    AuditEvent(
                        organizationID: organization,
                        actorID: nil,
                        system: .operator,
                        action: active ? .userActivated : .userDeactivated,
                        targetType: .user,
                        targetID: userID.apiString,
                        ip: ""
                    ),
                    on: connection,
                    logger: logger
                )
            }
            return userID
        }
        guard let changed else { return false }
        await stamps.changed(.user(changed))
        return true
    }
}
