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
                    action: "invitation.created",
                    targetType: "invitation",
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
                        action: "invitation.revoked",
                        targetType: "invitation",
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

    /// `POST invitations/accept/`: joins the organization. An existing account joins only when its
    /// own login (`caller`) accepts: whoever else holds the token gets 401 (anonymous) or 403 (another
    /// account), with the same body whether or not the invited address has an account. Otherwise
    /// `password` and `fullName` create the account, which is logged in at once.
    public func acceptInvitation(token: String, password: String?, fullName: String?, caller: Principal?, ip: String) async throws
        -> AcceptedInvitation
    {
        try await identity.spendAuthenticationBudget(ip: ip)
        let invalid = IdentityError.validation(["token": ["This invitation is invalid or has expired."]])
        return try await postgres.transaction(logger: logger) { connection in
            let rows = try await connection.query(
                """
                SELECT organization_id, id, email, role, invited_by, created_at, expires_at, accepted_at, revoked_at
                FROM invitations WHERE token_hash = \(SecretToken.digest(token)) FOR UPDATE
                """,
                logger: logger
            )
            var found: (UUID, Invitation)?
            for try await (organizationID, id, email, role, invitedBy, created, expires, accepted, revoked) in rows.decode(
                (UUID, UUID, String, String, UUID?, Date, Date, Date?, Date?).self
            ) {
                if let invitation = Invitation((id, email, role, invitedBy, created, expires, accepted, revoked)) {
                    found = (organizationID, invitation)
                }
            }
            guard let (organizationID, invitation) = found, invitation.status() == .pending,
                let organization = try await Organization.find(id: organizationID, on: connection, logger: logger)
            else { throw invalid }

            // Logged in as someone else: refused before looking up whether the address has an account.
            if let caller, caller.email.lowercased() != invitation.email.lowercased() { throw IdentityError.permissionDenied }
            let existing = try await connection.query("SELECT id, is_active FROM users WHERE email = \(invitation.email)", logger: logger)
            var account: (UUID, Bool)?
            for try await row in existing.decode((UUID, Bool).self) { account = row }

            var tokens: TokenPair?
            let userID: UUID
            if let (id, active) = account {
                guard let caller else { throw IdentityError.notAuthenticated }
                guard caller.userID == id else { throw IdentityError.permissionDenied }
                guard active else { throw invalid }
                userID = id
            } else {
                userID = try await createInvitedAccount(invitation, password: password, fullName: fullName, on: connection)
            }
            try await connection.query(
                """
                INSERT INTO memberships (organization_id, user_id, role) VALUES (\(organizationID), \(userID), \(invitation.role.rawValue))
                ON CONFLICT (organization_id, user_id) DO NOTHING
                """,
                logger: logger
            )
            try await connection.query("UPDATE invitations SET accepted_at = now() WHERE id = \(invitation.id)", logger: logger)
            try await AuditLog.record(
                AuditEvent(
                    organizationID: organizationID,
                    actorID: userID,
                    action: "invitation.accepted",
                    targetType: "invitation",
                    targetID: invitation.id.apiString,
                    ip: ip,
                    metadata: [
                        "email": invitation.email, "role": invitation.role.rawValue, "new_account": account == nil ? "true" : "false",
                    ]
                ),
                on: connection,
                logger: logger
            )
            var created: User?
            if account == nil {
                tokens = try await identity.issuePair(userID: userID, organizationID: organizationID, familyID: nil, on: connection)
                created = try await identity.user(id: userID, on: connection)
            }
            let role = try await identity.role(of: userID, in: organizationID, on: connection) ?? invitation.role
            return AcceptedInvitation(organization: organization, role: role, createdUser: created, tokens: tokens)
        }
    }

    private func createInvitedAccount(
        _ invitation: Invitation,
        password: String?,
        fullName: String?,
        on connection: PostgresConnection
    ) async throws -> UUID {
        var errors: [String: [String]] = [:]
        if password == nil { errors["password"] = ["This field is required to create your account."] }
        if fullName == nil { errors["full_name"] = ["This field is required to create your account."] }
        if !errors.isEmpty { throw IdentityError.validation(errors) }
        let name = try IdentityService.validatedName(fullName ?? "", field: "full_name", required: true)
        try IdentityService.validatedPassword(password ?? "", email: invitation.email)
        let hash = try await identity.hasher.hash(password ?? "")
        let rows = try await connection.query(
            """
            INSERT INTO users (email, full_name, password_hash, last_login_at) VALUES (\(invitation.email), \(name), \(hash), now())
            RETURNING id
            """,
            logger: logger
        )
        for try await id in rows.decode(UUID.self) { return id }
        throw NotFound(.user)
    }
}
