import Foundation
import PostgresNIO

extension OrganizationService {
    /// `POST invitations/` (ADMIN): a one-time token for `email` to join with `role`, valid for
    /// seven days, returned for ADMINs who share it another way, and a link with a token of its own
    /// mailed to the address. A newer invitation to the same address replaces a pending one.
    public func invite(_ principal: Principal, email rawEmail: String, role: Role, ip: String) async throws -> (Invitation, token: String) {
        let organizationID = try principal.organization()
        try principal.authorize(.manageMembers)
        let email = try IdentityService.normalizedEmail(rawEmail)
        let token = SecretToken.generate()
        // The mail carries a token of its own: the one above is shown to the ADMIN, so it proves
        // nothing about who controls the address.
        let mailToken = identity.outbox == nil ? nil : SecretToken.generate()
        let expiresAt = Date.now.addingTimeInterval(Self.invitationLifetime)
        let (invitation, mail) = try await postgres.transaction(logger: logger) { connection in
            if try await memberships.hasMember(email: email, in: organizationID, on: connection) {
                throw IdentityError.validation(["email": ["This user is already a member of the organization."]])
            }
            let created = try await invitationTable.replace(
                with: InvitationTable.NewInvitation(
                    organizationID: organizationID,
                    email: email,
                    role: role,
                    token: token,
                    mailToken: mailToken,
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
            return (created, try await queueInvitationMail(created, token: mailToken, from: principal, on: connection))
        }
        await identity.outbox?.publish(mail.map { [$0] } ?? [])
        return (invitation, token)
    }

    /// The invitation's mail to the invited address, written in the caller's transaction; nil
    /// without an outbox.
    private func queueInvitationMail(
        _ invitation: Invitation,
        token: String?,
        from principal: Principal,
        on connection: PostgresConnection
    ) async throws -> Outbox.Queued? {
        guard let outbox = identity.outbox, let token, let organizationID = principal.organizationID,
            let organization = try await Organization.find(id: organizationID, on: connection, logger: logger)
        else { return nil }
        let inviter = try await identity.accounts.user(id: principal.userID, on: connection)?.fullName ?? ""
        return try await outbox.add(
            Outbox.Letter(
                .invitation,
                to: invitation.email,
                organizationID: organizationID,
                context: ["organization": organization.name, "inviter": inviter, "role": invitation.role.rawValue],
                token: token
            ),
            on: connection
        )
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
