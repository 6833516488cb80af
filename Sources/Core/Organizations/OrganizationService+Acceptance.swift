import Foundation
import PostgresNIO

extension OrganizationService {
    /// `POST invitations/accept/`: joins the organization. An existing account joins only when its
    /// own login (`caller`) accepts: whoever else holds the token gets 401 (anonymous) or 403 (another
    /// account), with the same body whether or not the invited address has an account. Otherwise
    /// `password` and `fullName` create the account, which is logged in at once.
    public func acceptInvitation(token: String, password: String?, fullName: String?, caller: Principal?, ip: String) async throws
        -> AcceptedInvitation
    {
        try await identity.spendAuthenticationBudget(.acceptInvitation, ip: ip)
        let accepted = try await postgres.transaction(logger: logger) { connection in
            let (invitation, organization) = try await lockPendingInvitation(token: token, on: connection)
            // Logged in as someone else: refused before looking up whether the address has an account.
            if let caller, caller.email.lowercased() != invitation.email.lowercased() { throw IdentityError.permissionDenied }
            let (userID, isNew) = try await joiningAccount(
                invitation,
                password: password,
                fullName: fullName,
                caller: caller,
                on: connection
            )
            try await join(organization.id, userID: userID, by: invitation, newAccount: isNew, ip: ip, on: connection)
            let role = try await memberships.role(of: userID, in: organization.id, on: connection) ?? invitation.role
            guard isNew else { return AcceptedInvitation(organization: organization, role: role, createdUser: nil, tokens: nil) }
            // A new account is logged in at once; an existing one keeps the login it accepted with.
            let tokens = try await identity.logins.issuePair(userID: userID, organizationID: organization.id, familyID: nil, on: connection)
            let created = try await identity.accounts.user(id: userID, on: connection)
            return AcceptedInvitation(organization: organization, role: role, createdUser: created, tokens: tokens)
        }
        // The caller's own login may be scoped to the organization it has just joined.
        if let caller { await identity.stamps.changed(.user(caller.userID)) }
        return accepted
    }

    /// One answer for every token that cannot be used, so a guess learns nothing about which it hit.
    private static let invalidInvitation = IdentityError.validation(["token": ["This invitation is invalid or has expired."]])

    /// The pending invitation `token` stands for, locked until the transaction ends (a second
    /// acceptance waits and then finds it accepted), with its organization.
    private func lockPendingInvitation(token: String, on connection: PostgresConnection) async throws -> (Invitation, Organization) {
        let found = try await invitationTable.lock(token: token, on: connection)
        guard let (organizationID, invitation) = found, invitation.status() == .pending,
            let organization = try await Organization.find(id: organizationID, on: connection, logger: logger)
        else { throw Self.invalidInvitation }
        return (invitation, organization)
    }

    /// The account that joins: the invited address's own, which only its own login may use, or a
    /// new one made from `password` and `fullName`. `isNew` says which.
    private func joiningAccount(
        _ invitation: Invitation,
        password: String?,
        fullName: String?,
        caller: Principal?,
        on connection: PostgresConnection
    ) async throws -> (userID: UUID, isNew: Bool) {
        guard let (id, active) = try await identity.accounts.account(email: invitation.email, on: connection) else {
            let created = try await identity.accounts.createInvited(
                email: invitation.email,
                password: password,
                fullName: fullName,
                on: connection
            )
            return (created, true)
        }
        guard let caller else { throw IdentityError.notAuthenticated }
        guard caller.userID == id else { throw IdentityError.permissionDenied }
        guard active else { throw Self.invalidInvitation }
        return (id, false)
    }

    /// Makes `userID` a member with the invitation's role (a member already keeps their role), spends
    /// the invitation, and records the acceptance.
    private func join(
        _ organizationID: UUID,
        userID: UUID,
        by invitation: Invitation,
        newAccount: Bool,
        ip: String,
        on connection: PostgresConnection
    ) async throws {
        try await memberships.insert(userID, into: organizationID, role: invitation.role, keepingExisting: true, on: connection)
        try await invitationTable.markAccepted(invitation.id, on: connection)
        try await AuditLog.record(
            AuditEvent(
                organizationID: organizationID,
                actorID: userID,
                action: .invitationAccepted,
                targetType: .invitation,
                targetID: invitation.id.apiString,
                ip: ip,
                metadata: ["email": invitation.email, "role": invitation.role.rawValue, "new_account": newAccount ? "true" : "false"]
            ),
            on: connection,
            logger: logger
        )
    }
}
