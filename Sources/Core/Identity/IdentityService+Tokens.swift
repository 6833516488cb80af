import Foundation
import PostgresNIO

extension IdentityService {
    /// `auth/token/refresh/`: spends the refresh token and issues a new pair in the same family.
    /// Presenting a token that was already spent is taken as theft: the whole family is revoked.
    public func refresh(_ token: String, ip: String) async throws -> TokenPair {
        try await spendAuthenticationBudget(.refreshTokens, ip: ip)
        let claims = try await logins.tokens.verify(token, as: .refresh)
        guard let userID = UUID(uuidString: claims.userID), let familyID = UUID(uuidString: claims.familyID) else {
            throw IdentityError.invalidToken
        }
        let organizationID = claims.organizationID.flatMap(UUID.init(uuidString:))

        enum Outcome: Sendable {
            case rotated(TokenPair)
            case reused
            case invalid
        }
        let outcome: Outcome = try await postgres.transaction(logger: logger) { connection in
            guard try await logins.spend(jti: claims.jti, familyID: familyID, userID: userID, on: connection) else {
                let revoked = try await logins.revokeFamilyIfSpent(jti: claims.jti, familyID: familyID, on: connection)
                if revoked, let organizationID {
                    try await AuditLog.record(
                        AuditEvent(
                            organizationID: organizationID,
                            actorID: userID,
                            action: .tokenReuseDetected,
                            targetType: .tokenFamily,
                            targetID: familyID.apiString,
                            ip: ip
                        ),
                        on: connection,
                        logger: logger
                    )
                }
                return revoked ? .reused : .invalid
            }
            var scope = organizationID
            if let organization = organizationID, try await memberships.role(of: userID, in: organization, on: connection) == nil {
                scope = nil  // removed from that organization since: keep the login, drop the scope
            }
            return .rotated(try await logins.issuePair(userID: userID, organizationID: scope, familyID: familyID, on: connection))
        }
        if case .reused = outcome { await stamps.changed(.user(userID)) }
        guard case .rotated(let pair) = outcome else { throw IdentityError.invalidToken }
        return pair
    }

    /// `auth/token/verify/`: whether a token (access or refresh) is genuine, unexpired and not revoked.
    public func verify(_ token: String, ip: String) async throws {
        try await spendAuthenticationBudget(.verifyToken, ip: ip)
        let claims = try await logins.tokens.verify(token, as: nil)
        guard let familyID = UUID(uuidString: claims.familyID) else { throw IdentityError.invalidToken }
        let state = try await postgres.withConnection { connection in
            try await logins.state(of: familyID, jti: claims.jti, on: connection)
        }
        // A refresh token is also dead once spent by rotation.
        if let state, state.live && (claims.tokenType == .access || state.unspent == true) { return }
        throw IdentityError.invalidToken
    }

    /// `auth/logout/`: revokes the family of the caller's refresh token, and with it every token of
    /// that login.
    public func logout(_ principal: Principal, refreshToken: String, ip: String) async throws {
        let claims = try await logins.tokens.verify(refreshToken, as: .refresh)
        guard claims.userID == principal.userID.apiString, let familyID = UUID(uuidString: claims.familyID) else {
            throw IdentityError.invalidToken
        }
        try await postgres.transaction(logger: logger) { connection in
            try await logins.revoke(familyID: familyID, reason: .logout, on: connection)
            if let organization = principal.organizationID {
                try await AuditLog.record(
                    AuditEvent(
                        organizationID: organization,
                        actorID: principal.userID,
                        action: .tokenRevoked,
                        targetType: .tokenFamily,
                        targetID: familyID.apiString,
                        ip: ip,
                        metadata: ["reason": Logins.RevocationReason.logout.rawValue]
                    ),
                    on: connection,
                    logger: logger
                )
            }
        }
        await stamps.changed(.user(principal.userID))
    }

    /// `auth/switch-organization/`: a new pair scoped to another of the user's organizations (404
    /// when not a member). A browser session moves to that organization as well.
    public func switchOrganization(_ principal: Principal, to organizationID: UUID) async throws -> TokenPair {
        let pair = try await postgres.transaction(logger: logger) { connection in
            guard try await memberships.role(of: principal.userID, in: organizationID, on: connection) != nil else {
                throw NotFound(.membership)
            }
            switch principal.credential {
            case .bearer(let familyID):
                return try await logins.issuePair(
                    userID: principal.userID,
                    organizationID: organizationID,
                    familyID: familyID,
                    on: connection
                )
            case .session(let tokenHash):
                try await logins.moveSession(tokenHash: tokenHash, to: organizationID, on: connection)
                return try await logins.issuePair(userID: principal.userID, organizationID: organizationID, familyID: nil, on: connection)
            }
        }
        // Only a moved session changes what a login authenticates as; a bearer switch is a new token.
        if case .session = principal.credential { await stamps.changed(.user(principal.userID)) }
        return pair
    }
}
