import Foundation
import PostgresNIO

/// Proving an address: registration mails a one-time token (48 h), `auth/verify-email/` spends it.
extension IdentityService {
    /// Resends of the verification mail a user may ask for per hour; the registration's own mail
    /// does not count.
    public static let verificationResendLimit = 3

    /// Writes the verification mail for `email` in the caller's transaction; nil without an outbox.
    func queueVerification(
        userID: UUID,
        email: String,
        name: String,
        reason: String,
        on connection: PostgresConnection
    ) async throws -> Outbox.Queued? {
        guard let outbox else { return nil }
        let token = try await accountTokens.issue(.verifyEmail, userID: userID, email: email, on: connection)
        return try await outbox.add(
            Outbox.Letter(.verifyEmail, to: email, name: name, userID: userID, context: ["name": name, "reason": reason], token: token),
            on: connection
        )
    }

    /// `POST auth/verify-email/`: spends the token and marks its address verified (for an address
    /// change, the address becomes the account's); returns the address. A used, expired or unknown
    /// token is a 400 on `token`.
    @discardableResult
    public func verifyEmail(token rawToken: String, ip: String) async throws -> String {
        try await spendAuthenticationBudget(.verifyEmail, ip: ip)
        let token = try Self.presentedToken(rawToken)
        let (userID, email) = try await postgres.transaction(logger: logger) { connection in
            guard let (userID, email) = try await accountTokens.spend(token, .verifyEmail, on: connection) else {
                throw IdentityError.validation(["token": ["This link is invalid, was already used or has expired; ask for a new one."]])
            }
            guard try await accounts.verifyEmail(email, of: userID, on: connection) else {
                throw IdentityError.validation(["token": ["Another account uses this address now."]])
            }
            try await recordForUser(userID, action: .emailVerified, ip: ip, metadata: ["email": email], on: connection)
            return (userID, email)
        }
        await stamps.changed(.user(userID))
        return email
    }

    /// `POST auth/verify-email/resend/`: a new verification mail for the caller's address, at most
    /// `verificationResendLimit` an hour (then 429). An address already verified is a 400.
    public func resendVerification(_ principal: Principal, ip: String) async throws {
        guard let outbox else { throw IdentityError.rejected("Mail is not configured.") }
        let queued = try await postgres.transaction(logger: logger) { connection -> Outbox.Queued? in
            // The user's row is the lock that makes concurrent resends count one at a time.
            guard let user = try await accounts.lockUser(principal.userID, on: connection) else { throw NotFound(.user) }
            if user.emailVerified { throw IdentityError.rejected("Your e-mail address is already verified.") }
            try await spendVerificationBudget(of: principal.userID, reason: "resend", on: connection)
            let queued = try await queueVerification(
                userID: principal.userID,
                email: user.email,
                name: user.fullName,
                reason: "resend",
                on: connection
            )
            try await recordForUser(principal.userID, action: .emailVerificationSent, ip: ip, metadata: [:], on: connection)
            return queued
        }
        await outbox.publish(queued.map { [$0] } ?? [])
    }

    /// Throws `throttled`, with the seconds until the oldest one stops counting, once `userID` was
    /// sent `verificationResendLimit` verification mails for `reason` in the last hour. The caller
    /// holds the user's row lock, so concurrent requests count one at a time.
    func spendVerificationBudget(of userID: UUID, reason: String, on connection: PostgresConnection) async throws {
        let rows = try await connection.query(
            """
            SELECT count(*), coalesce(ceil(extract(epoch FROM min(created_at) + interval '1 hour' - now()))::bigint, 0) FROM emails
            WHERE user_id = \(userID) AND template = \(MailTemplate.verifyEmail.rawValue)
            AND context->>'reason' = \(reason) AND created_at > now() - interval '1 hour'
            """,
            logger: logger
        )
        for try await (sent, retryAfter) in rows.decode((Int, Int).self) where sent >= Self.verificationResendLimit {
            throw IdentityError.throttled(retryAfter: max(1, retryAfter))
        }
    }

    /// A token as a client sent it: trimmed, non-empty, of a sane length.
    static func presentedToken(_ raw: String) throws(IdentityError) -> String {
        let token = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty, token.count <= 256 else {
            throw .validation(["token": ["This link is invalid, was already used or has expired; ask for a new one."]])
        }
        return token
    }

    /// An audit-log row in every organization the user belongs to: account events concern each of
    /// them, and a user without an organization has no log to write to.
    func recordForUser(
        _ userID: UUID,
        action: AuditAction,
        ip: String,
        metadata: [String: String],
        on connection: PostgresConnection
    ) async throws {
        for membership in try await memberships.roles(of: userID, on: connection) {
            try await AuditLog.record(
                AuditEvent(
                    organizationID: membership.organizationID,
                    actorID: userID,
                    action: action,
                    targetType: .user,
                    targetID: userID.apiString,
                    ip: ip,
                    metadata: metadata
                ),
                on: connection,
                logger: logger
            )
        }
    }
}
