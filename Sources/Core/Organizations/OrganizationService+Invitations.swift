import Foundation
import PostgresNIO

extension OrganizationService {
    /// `POST invitations/` (ADMIN): a one-time token for `email` to join with `role`, valid for
    /// seven days. A newer invitation to the same address replaces a pending one.
    public func invite(_ principal: Principal, email rawEmail: String, role: Role, ip: String) async throws -> (Invitation, token: String) {
        let organizationID = try principal.organization()
        try principal.authorize(.manageMembers)
        let email = try IdentityService.normalizedEmail(rawEmail)
        let token = SecretToken.generate()
        let expiresAt = Date.now.addingTimeInterval(Self.invitationLifetime)
        let invitation = try await postgres.transaction(logger: logger) { connection in
            let existing = try await connection.query(
                """
                SELECT 1 FROM memberships m JOIN users u ON u.id = m.user_id
                WHERE m.organization_id = \(organizationID) AND u.email = \(email)
                """,
                logger: logger
            )
            for try await _ in existing.decode(Int.self) {
                throw IdentityError.validation(["email": ["This user is already a member of the organization."]])
            }
            try await connection.query(
                """
                UPDATE invitations SET revoked_at = now()
                WHERE organization_id = \(organizationID) AND email = \(email)
                  AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > now()
                """,
                logger: logger
            )
            let rows = try await connection.query(
                """
                INSERT INTO invitations (organization_id, email, role, token_hash, invited_by, expires_at)
                VALUES (\(organizationID), \(email), \(role.rawValue), \(SecretToken.digest(token)), \(principal.userID), \(expiresAt))
                RETURNING id, email, role, invited_by, created_at, expires_at, accepted_at, revoked_at
                """,
                logger: logger
            )
            var created: Invitation?
            for try await row in rows.decode(Invitation.Row.self) { created = Invitation(row) }
            guard let created else { throw NotFound(.invitation) }
            try await AuditLog.record(
                AuditEvent(
                    organizationID: organizationID,
                    actorID: principal.userID,
                    action: .invitationCreated,
                    targetType: .invitation,
                    targetID: created.id.apiString,
                    ip: ip,
                    metadata: ["email": email, "role": role.rawValue]
                ),
                on: connection,
                logger: logger
            )
            return created
        }
        return (invitation, token)
    }

    /// `GET invitations/` (ADMIN): newest first, whatever their status.
    public func invitations(_ principal: Principal, page: PageRequest) async throws -> Page<Invitation> {
        let organizationID = try principal.organization()
        try principal.authorize(.manageMembers)
        let rows = try await postgres.query(
            """
            SELECT id, email, role, invited_by, created_at, expires_at, accepted_at, revoked_at
            FROM invitations WHERE organization_id = \(organizationID)
            ORDER BY created_at DESC, id LIMIT \(page.limit) OFFSET \(page.offset)
            """,
            logger: logger
        )
        var invitations: [Invitation] = []
        for try await row in rows.decode(Invitation.Row.self) {
            if let invitation = Invitation(row) { invitations.append(invitation) }
        }
        let total = try await scalar("SELECT count(*) FROM invitations WHERE organization_id = \(organizationID)")
        return Page(items: invitations, count: total, request: page)
    }

    /// `DELETE invitations/{id}/` (ADMIN): revokes a pending invitation; revoking twice is harmless.
    public func revokeInvitation(_ principal: Principal, id: UUID, ip: String) async throws {
        let organizationID = try principal.organization()
        try await postgres.transaction(logger: logger) { connection in
            let rows = try await connection.query(
                """
                SELECT id, email, role, invited_by, created_at, expires_at, accepted_at, revoked_at
                FROM invitations WHERE id = \(id) AND organization_id = \(organizationID) FOR UPDATE
                """,
                logger: logger
            )
            var found: Invitation?
            for try await row in rows.decode(Invitation.Row.self) { found = Invitation(row) }
            guard let invitation = found else { throw NotFound(.invitation) }
            try principal.authorize(.manageMembers)
            switch invitation.status() {
            case .accepted:
                throw IdentityError.rejected("This invitation was already accepted; remove the member instead.")
            case .revoked:
                return
            case .pending, .expired:
                try await connection.query("UPDATE invitations SET revoked_at = now() WHERE id = \(id)", logger: logger)
                try await AuditLog.record(
                    AuditEvent(
                        organizationID: organizationID,
                        actorID: principal.userID,
                        action: .invitationRevoked,
                        targetType: .invitation,
                        targetID: id.apiString,
                        ip: ip,
                        metadata: ["email": invitation.email]
                    ),
                    on: connection,
                    logger: logger
                )
            }
        }
    }
}
