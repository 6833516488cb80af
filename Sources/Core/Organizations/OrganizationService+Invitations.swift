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
            if try await memberships.hasMember(email: email, in: organizationID, on: connection) {
                throw IdentityError.validation(["email": ["This user is already a member of the organization."]])
            }
            let created = try await invitationTable.replace(
                with: InvitationTable.NewInvitation(
                    organizationID: organizationID,
                    email: email,
                    role: role,
                    token: token,
                    invitedBy: principal.userID,
                    expiresAt: expiresAt
                ),
                on: connection
            )
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
        return try await postgres.withConnection { connection in
            try await invitationTable.page(organizationID: organizationID, page, on: connection)
        }
    }

    /// `DELETE invitations/{id}/` (ADMIN): revokes a pending invitation; revoking twice is harmless.
    public func revokeInvitation(_ principal: Principal, id: UUID, ip: String) async throws {
        let organizationID = try principal.organization()
        try await postgres.transaction(logger: logger) { connection in
            guard let invitation = try await invitationTable.lock(id, organizationID: organizationID, on: connection) else {
                throw NotFound(.invitation)
            }
            try principal.authorize(.manageMembers)
            switch invitation.status() {
            case .accepted:
                throw IdentityError.rejected("This invitation was already accepted; remove the member instead.")
            case .revoked:
                return
            case .pending, .expired:
                try await invitationTable.revoke(id, on: connection)
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
