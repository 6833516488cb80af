import Foundation
import PostgresNIO

/// A browser login: the cookie values to set and who logged in.
public struct BrowserSession: Sendable {
    /// The `sessionid` cookie value; only its digest is stored.
    public let token: String
    /// The `csrftoken` cookie value, echoed by the client in `X-CSRFToken` on unsafe requests.
    public let csrfToken: String
    public let expiresAt: Date
    public let profile: Profile
}

extension IdentityService {
    /// `auth/token/`: a token pair for valid credentials, scoped to `organizationID` (which the user
    /// must belong to) or to the organization they joined first.
    public func obtainTokens(email: String, password: String, otp: String? = nil, organizationID: UUID?, ip: String) async throws
        -> TokenPair
    {
        let userID = try await checkCredentials(email: email, password: password, otp: otp, ip: ip, endpoint: .obtainTokens)
        let (pair, notice) = try await postgres.transaction(logger: logger) { connection in
            let organization = try await loginOrganization(userID: userID, requested: organizationID, on: connection)
            let notice = try await recordLogin(userID: userID, organizationID: organization, method: "token", ip: ip, on: connection)
            return (try await logins.issuePair(userID: userID, organizationID: organization, familyID: nil, on: connection), notice)
        }
        await outbox?.publish(notice.map { [$0] } ?? [])
        return pair
    }

    /// `auth/session/`: a cookie session for valid credentials.
    public func openSession(email: String, password: String, otp: String? = nil, organizationID: UUID?, ip: String) async throws
        -> BrowserSession
    {
        let userID = try await checkCredentials(email: email, password: password, otp: otp, ip: ip, endpoint: .session)
        let token = SecretToken.generate()
        let csrfToken = SecretToken.generate()
        let expiresAt = Date.now.addingTimeInterval(TimeInterval(settings.sessionLifetime.components.seconds))
        let (session, notice) = try await postgres.transaction(logger: logger) { connection in
            let organization = try await loginOrganization(userID: userID, requested: organizationID, on: connection)
            try await logins.openSession(
                tokenHash: SecretToken.digest(token),
                csrfHash: SecretToken.digest(csrfToken),
                userID: userID,
                organizationID: organization,
                expiresAt: expiresAt,
                on: connection
            )
            let notice = try await recordLogin(userID: userID, organizationID: organization, method: "session", ip: ip, on: connection)
            let profile = try await self.profile(userID: userID, on: connection)
            return (BrowserSession(token: token, csrfToken: csrfToken, expiresAt: expiresAt, profile: profile), notice)
        }
        await outbox?.publish(notice.map { [$0] } ?? [])
        return session
    }

    /// `DELETE auth/session/`: ends the caller's browser session.
    public func closeSession(_ principal: Principal, ip: String) async throws {
        guard case .session(let tokenHash) = principal.credential else { throw IdentityError.notAuthenticated }
        try await postgres.transaction(logger: logger) { connection in
            try await logins.revokeSession(tokenHash: tokenHash, on: connection)
            if let organization = principal.organizationID {
                try await AuditLog.record(
                    AuditEvent(
                        organizationID: organization,
                        actorID: principal.userID,
                        action: .sessionRevoked,
                        targetType: .user,
                        targetID: principal.userID.apiString,
                        ip: ip,
                        metadata: ["reason": "logout"]
                    ),
                    on: connection,
                    logger: logger
                )
            }
        }
        await stamps.changed(.user(principal.userID))
    }

    /// The user id for correct credentials of an active account. Failures are throttled per (IP,
    /// e-mail), counted, and logged in the organizations of the account they were aimed at. The
    /// attempt is reserved in the failure budget before the password is checked, and given back
    /// when it was right: parallel guesses get no more evaluations than sequential ones. An account
    /// with a second factor also needs `otp`: missing, it is `otpRequired` (the attempt given back);
    /// wrong or used before, it is a failed login like a wrong password.
    func checkCredentials(email rawEmail: String, password: String, otp: String?, ip: String, endpoint: AuthenticationEndpoint)
        async throws -> UUID
    {
        try await spendAuthenticationBudget(endpoint, ip: ip)
        let email = rawEmail.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        let attempt = try await reserve(.loginFailures(ip: ip, email: email))

        let account = try await postgres.withConnection { connection in
            try await accounts.credentials(email: email, on: connection)
        }

        let stored: String
        if let account { stored = account.hash } else { stored = try await decoyHash.value }
        let matches = try await hasher.verify(password, against: stored)
        var secondFactorFailed = false
        if let account, account.active, matches {
            do {
                if try await checkSecondFactor(otp, of: account.id) {
                    await throttle.release(attempt)
                    return account.id
                }
                secondFactorFailed = true
            } catch IdentityError.otpRequired {
                await throttle.release(attempt)
                throw IdentityError.otpRequired
            }
        }

        if let account {
            let reason = secondFactorFailed ? "bad_otp" : matches ? "inactive" : "bad_password"
            try await postgres.transaction(logger: logger) { connection in
                for organization in try await memberships.organizations(of: account.id, on: connection) {
                    try await AuditLog.record(
                        AuditEvent(
                            organizationID: organization,
                            actorID: account.id,
                            action: .loginFailed,
                            targetType: .user,
                            targetID: account.id.apiString,
                            ip: ip,
                            metadata: ["reason": reason]
                        ),
                        on: connection,
                        logger: logger
                    )
                }
            }
        }
        throw IdentityError.invalidCredentials
    }

    private func loginOrganization(userID: UUID, requested: UUID?, on connection: PostgresConnection) async throws -> UUID? {
        guard let requested else { return try await memberships.firstOrganization(of: userID, on: connection) }
        guard try await memberships.role(of: userID, in: requested, on: connection) != nil else { throw NotFound(.membership) }
        return requested
    }

    /// Stamps and audit-logs a successful login; returns the new-login notice it queued, if the
    /// address is new to an account that asked for one.
    private func recordLogin(userID: UUID, organizationID: UUID?, method: String, ip: String, on connection: PostgresConnection)
        async throws -> Outbox.Queued?
    {
        try await accounts.recordLogin(of: userID, on: connection)
        var notice: Outbox.Queued?
        if try await loginAddresses.record(ip, of: userID, on: connection),
            try await accounts.user(id: userID, on: connection)?.notifyNewLogin == true
        {
            notice = try await queueSecurityNotice(.newLogin, userID: userID, context: ["ip": ip], on: connection)
        }
        guard let organizationID else { return notice }
        try await AuditLog.record(
            AuditEvent(
                organizationID: organizationID,
                actorID: userID,
                action: .loginSucceeded,
                targetType: .user,
                targetID: userID.apiString,
                ip: ip,
                metadata: ["method": method]
            ),
            on: connection,
            logger: logger
        )
        return notice
    }
}
