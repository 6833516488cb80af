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
            // The row lock makes concurrent refreshes of one token take turns: the second sees it spent.
            let spent = try await connection.query(
                """
                UPDATE refresh_tokens r SET spent_at = now()
                FROM token_families f, users u
                WHERE r.jti = \(claims.jti) AND r.family_id = \(familyID) AND f.id = r.family_id AND u.id = f.user_id
                  AND u.id = \(userID) AND u.is_active AND r.spent_at IS NULL AND f.revoked_at IS NULL
                  AND r.expires_at > now()
                RETURNING r.jti
                """,
                logger: logger
            )
            var rotated = false
            for try await _ in spent.decode(String.self) { rotated = true }
            guard rotated else {
                let revoked = try await revokeFamilyIfSpent(jti: claims.jti, familyID: familyID, on: connection)
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
            if let organization = organizationID, try await accounts.role(of: userID, in: organization, on: connection) == nil {
                scope = nil  // removed from that organization since: keep the login, drop the scope
            }
            return .rotated(try await logins.issuePair(userID: userID, organizationID: scope, familyID: familyID, on: connection))
        }
        guard case .rotated(let pair) = outcome else { throw IdentityError.invalidToken }
        return pair
    }

    /// `auth/token/verify/`: whether a token (access or refresh) is genuine, unexpired and not revoked.
    public func verify(_ token: String, ip: String) async throws {
        try await spendAuthenticationBudget(.verifyToken, ip: ip)
        let claims = try await logins.tokens.verify(token, as: nil)
        guard let familyID = UUID(uuidString: claims.familyID) else { throw IdentityError.invalidToken }
        let rows = try await postgres.query(
            """
            SELECT f.revoked_at IS NULL AND u.is_active,
                   (SELECT r.spent_at IS NULL FROM refresh_tokens r WHERE r.jti = \(claims.jti) AND r.family_id = f.id)
            FROM token_families f JOIN users u ON u.id = f.user_id
            WHERE f.id = \(familyID)
            """,
            logger: logger
        )
        for try await (live, unspent) in rows.decode((Bool, Bool?).self) {
            // A refresh token is also dead once spent by rotation.
            if live && (claims.tokenType == .access || unspent == true) { return }
        }
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
            try await revoke(familyID: familyID, reason: "logout", on: connection)
            if let organization = principal.organizationID {
                try await AuditLog.record(
                    AuditEvent(
                        organizationID: organization,
                        actorID: principal.userID,
                        action: .tokenRevoked,
                        targetType: .tokenFamily,
                        targetID: familyID.apiString,
                        ip: ip,
                        metadata: ["reason": "logout"]
                    ),
                    on: connection,
                    logger: logger
                )
            }
        }
    }

    /// `auth/switch-organization/`: a new pair scoped to another of the user's organizations (404
    /// when not a member). A browser session moves to that organization as well.
    public func switchOrganization(_ principal: Principal, to organizationID: UUID) async throws -> TokenPair {
        try await postgres.transaction(logger: logger) { connection in
            guard try await accounts.role(of: principal.userID, in: organizationID, on: connection) != nil else {
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
                try await connection.query(
                    "UPDATE sessions SET organization_id = \(organizationID) WHERE token_hash = \(tokenHash)",
                    logger: logger
                )
                return try await logins.issuePair(userID: principal.userID, organizationID: organizationID, familyID: nil, on: connection)
            }
        }
    }

    /// Revokes the family when `jti` is a known, already spent token of it. True when it did.
    private func revokeFamilyIfSpent(jti: String, familyID: UUID, on connection: PostgresConnection) async throws -> Bool {
        let rows = try await connection.query(
            "SELECT spent_at IS NOT NULL FROM refresh_tokens WHERE jti = \(jti) AND family_id = \(familyID)",
            logger: logger
        )
        var spent = false
        for try await value in rows.decode(Bool.self) { spent = value }
        guard spent else { return false }
        return try await revoke(familyID: familyID, reason: "reuse", on: connection)
    }

    /// True when the family was live and is now revoked.
    @discardableResult
    func revoke(familyID: UUID, reason: String, on connection: PostgresConnection) async throws -> Bool {
        let rows = try await connection.query(
            """
            UPDATE token_families SET revoked_at = now(), revoked_reason = \(reason)
            WHERE id = \(familyID) AND revoked_at IS NULL RETURNING id
            """,
            logger: logger
        )
        for try await _ in rows.decode(UUID.self) { return true }
        return false
    }
}
