import Foundation
import PostgresNIO

extension OrganizationService {
    /// `POST invitations/accept/`: joins the organization. The mailed token proves control of the
    /// invited address, so an account there that never verified it is taken over by the token's
    /// holder (`password` and `fullName` replace the squatter's, every earlier login ends, a second
    /// factor the squatter enrolled is removed):
    /// registering someone else's address first gains nothing. The token the ADMIN was shown proves
    /// nothing, and a verified account joins only when its own login (`caller`) accepts: whoever
    /// else holds the token gets 401 (anonymous) or 403 (another account), with the same body
    /// whether or not the invited address has an account. Otherwise `password` and `fullName` create
    /// the account. A created or taken-over account is logged in at once.
    public func acceptInvitation(token: String, password: String?, fullName: String?, caller: Principal?, ip: String) async throws
        -> AcceptedInvitation
    {
        try await identity.spendAuthenticationBudget(.acceptInvitation, ip: ip)
        let (accepted, userID) = try await postgres.transaction(logger: logger) { connection in
            let (invitation, organization, mailed) = try await lockPendingInvitation(token: token, on: connection)
            // Logged in as someone else: refused before looking up whether the address has an account.
            if let caller, caller.email.lowercased() != invitation.email.lowercased() { throw IdentityError.permissionDenied }
            let joining = try await joiningAccount(
                invitation,
                mailed: mailed,
                password: password,
                fullName: fullName,
                caller: caller,
                on: connection
            )
            let userID = joining.userID
            try await join(organization.id, userID: userID, by: invitation, newAccount: joining.isNew, ip: ip, on: connection)
            if case .takenOver = joining {
                // Once joined, so the invitation's organization is among those told, with every
                // other one the account was in: their members should know its earlier holder is gone.
                let metadata = ["email": invitation.email, "invitation": invitation.id.apiString]
                try await identity.recordForUser(userID, action: .accountTakenOver, ip: ip, metadata: metadata, on: connection)
            }
            let role = try await memberships.role(of: userID, in: organization.id, on: connection) ?? invitation.role
            guard joining.logsIn else {
                return (AcceptedInvitation(organization: organization, role: role, createdUser: nil, tokens: nil), userID)
            }
            // A new or taken-over account is logged in at once; an existing one keeps the login it
            // accepted with.
            let tokens = try await identity.logins.issuePair(userID: userID, organizationID: organization.id, familyID: nil, on: connection)
            let created = try await identity.accounts.user(id: userID, on: connection)
            return (AcceptedInvitation(organization: organization, role: role, createdUser: created, tokens: tokens), userID)
        }
        // The caller's own login may be scoped to the organization it has just joined; a taken-over
        // account's cached logins must end everywhere.
        await identity.stamps.changed(.user(userID))
        return accepted
    }

    /// One answer for every token that cannot be used, so a guess learns nothing about which it hit.
    private static let invalidInvitation = IdentityError.validation(["token": ["This invitation is invalid or has expired."]])

    /// The pending invitation `token` stands for, locked until the transaction ends (a second
    /// acceptance waits and then finds it accepted), with its organization and whether the token is
    /// the mailed one.
    private func lockPendingInvitation(token: String, on connection: PostgresConnection) async throws
        -> (Invitation, Organization, mailed: Bool)
    {
        let found = try await invitationTable.lock(token: token, on: connection)
        guard let (organizationID, invitation, mailed) = found, invitation.status() == .pending,
            let organization = try await Organization.find(id: organizationID, on: connection, logger: logger)
        else { throw Self.invalidInvitation }
        return (invitation, organization, mailed)
    }

    /// Which account joins, and how it came to.
    private enum JoiningAccount {
        /// Made now from the invitee's name and password.
        case created(UUID)
        /// The address's account joins with its own login.
        case existing(UUID)
        /// The address's account had never proved its address; the token's holder owns it now.
        case takenOver(UUID)

        var userID: UUID {
            switch self {
            case .created(let id), .existing(let id), .takenOver(let id): id
            }
        }
        var isNew: Bool { if case .created = self { true } else { false } }
        var logsIn: Bool { if case .existing = self { false } else { true } }
    }

    /// The account that joins: a new one made from `password` and `fullName`; an unverified one at
    /// the address, handed to the holder of the mailed token unless its own login is accepting; or
    /// any other, which only its own login may use.
    private func joiningAccount(
        _ invitation: Invitation,
        mailed: Bool,
        password: String?,
        fullName: String?,
        caller: Principal?,
        on connection: PostgresConnection
    ) async throws -> JoiningAccount {
        let accounts = identity.accounts
        guard let (id, active, verified) = try await accounts.lockAccount(email: invitation.email, on: connection) else {
            let (name, hash) = try await accounts.invitedCredentials(email: invitation.email, password: password, fullName: fullName)
            return .created(
                try await accounts.createInvited(
                    email: invitation.email,
                    name: name,
                    passwordHash: hash,
                    verified: mailed,
                    on: connection
                )
            )
        }
        guard active else { throw Self.invalidInvitation }
        if let caller {
            guard caller.userID == id else { throw IdentityError.permissionDenied }
            // The mailed token came to the address, so accepting with it proves the address.
            if mailed && !verified { _ = try await accounts.verifyEmail(invitation.email, of: id, on: connection) }
            return .existing(id)
        }
        guard mailed, !verified else { throw IdentityError.notAuthenticated }
        let (name, hash) = try await accounts.invitedCredentials(email: invitation.email, password: password, fullName: fullName)
        try await accounts.takeOver(id, fullName: name, passwordHash: hash, on: connection)
        try await identity.logins.revokeAll(of: id, reason: .takenOver, on: connection)
        try await identity.accountTokens.revokeAll(of: id, on: connection)
        // A factor the earlier holder enrolled would lock the address's owner out of their account.
        try await identity.twoFactor.remove(id, on: connection)
        return .takenOver(id)
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
