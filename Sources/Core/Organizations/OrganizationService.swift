import Foundation
import Logging
import PostgresNIO

/// The caller's organization: its settings, its members and their roles. Every operation is
/// scoped to the principal's organization; ids from elsewhere are simply not found.
public struct OrganizationService: Sendable {
    let postgres: PostgresClient
    let identity: IdentityService
    let logger: Logger
    var invitationTable: InvitationTable { InvitationTable(logger: logger) }
    var memberships: MembershipTable { MembershipTable(logger: logger) }

    public static let invitationLifetime: TimeInterval = 7 * 86_400

    public init(postgres: PostgresClient, identity: IdentityService, logger: Logger) {
        self.postgres = postgres
        self.identity = identity
        self.logger = logger
    }

    public func current(_ principal: Principal) async throws -> Organization {
        let organizationID = try principal.organization()
        try principal.authorize(.read)
        return try await postgres.withConnection { connection in
            guard let organization = try await Organization.find(id: organizationID, on: connection, logger: logger) else {
                throw NotFound(.organization)
            }
            return organization
        }
    }

    /// `PATCH organizations/current/` (ADMIN): the name (the slug stays, since links use it) and
    /// whether members need a second factor. Requiring it takes effect on every member's next
    /// request, on every replica.
    public func update(_ principal: Principal, name: String?, requireTwoFactor: Bool? = nil, ip: String) async throws -> Organization {
        let organizationID = try principal.organization()
        try principal.authorize(.manageOrganization)
        let newName = try name.map { (name: String) throws(IdentityError) -> String in
            try IdentityService.validatedName(name, field: "name", required: true)
        }
        let (updated, factorChanged) = try await postgres.transaction(logger: logger) { connection in
            guard let organization = try await Organization.find(id: organizationID, on: connection, logger: logger) else {
                throw NotFound(.organization)
            }
            var metadata: [String: String] = [:]
            if let newName, newName != organization.name {
                try await Organization.rename(organizationID, to: newName, on: connection, logger: logger)
                metadata["from"] = organization.name
                metadata["to"] = newName
            }
            let factorChanged = requireTwoFactor.map { $0 != organization.requireTwoFactor } ?? false
            if let requireTwoFactor, factorChanged {
                // As GitHub does: an ADMIN cannot lock the organization behind a factor they lack.
                if requireTwoFactor, !(try await identity.twoFactor.isEnrolled(principal.userID, on: connection)) {
                    throw IdentityError.validation(["require_two_factor": ["Set up your own second factor first."]])
                }
                try await Organization.setRequireTwoFactor(organizationID, to: requireTwoFactor, on: connection, logger: logger)
                metadata["require_two_factor"] = String(requireTwoFactor)
            }
            guard !metadata.isEmpty else { return (organization, false) }
            try await AuditLog.record(
                AuditEvent(
                    organizationID: organizationID,
                    actorID: principal.userID,
                    action: .organizationUpdated,
                    targetType: .organization,
                    targetID: organizationID.apiString,
                    ip: ip,
                    metadata: metadata
                ),
                on: connection,
                logger: logger
            )
            return (try await Organization.find(id: organizationID, on: connection, logger: logger) ?? organization, factorChanged)
        }
        if factorChanged { await identity.stamps.changed(.organization(organizationID)) }
        return updated
    }

    /// Members, longest-standing first.
    public func members(_ principal: Principal, page: PageRequest) async throws -> Page<Member> {
        let organizationID = try principal.organization()
        try principal.authorize(.read)
        return try await postgres.withConnection { connection in
            try await memberships.page(organizationID: organizationID, page, on: connection)
        }
    }

    /// `PATCH members/{user_id}/` (ADMIN): changes a member's role; never leaves the organization
    /// without an ADMIN.
    public func changeRole(_ principal: Principal, userID: UUID, to role: Role, ip: String) async throws -> Member {
        let organizationID = try principal.organization()
        let changed = try await postgres.transaction(logger: logger) { connection in
            let member = try await lockedMember(userID, in: organizationID, on: connection)
            try await authorizeCurrent(principal, .manageMembers, in: organizationID, on: connection)
            guard member.role != role else { return member }
            if member.role == .admin { try await ensureAnotherAdmin(besides: userID, in: organizationID, on: connection) }
            try await memberships.changeRole(of: userID, in: organizationID, to: role, on: connection)
            try await AuditLog.record(
                AuditEvent(
                    organizationID: organizationID,
                    actorID: principal.userID,
                    action: .memberRoleChanged,
                    targetType: .user,
                    targetID: userID.apiString,
                    ip: ip,
                    metadata: ["from": member.role.rawValue, "to": role.rawValue]
                ),
                on: connection,
                logger: logger
            )
            return Member(userID: member.userID, email: member.email, fullName: member.fullName, role: role, joinedAt: member.joinedAt)
        }
        await identity.stamps.changed(.user(userID))
        return changed
    }

    /// `DELETE members/{user_id}/` (ADMIN): removes the membership (the account stays); the removed
    /// user's tokens stop reaching this organization on their next request.
    public func remove(_ principal: Principal, userID: UUID, ip: String) async throws {
        let organizationID = try principal.organization()
        try await postgres.transaction(logger: logger) { connection in
            let member = try await lockedMember(userID, in: organizationID, on: connection)
            try await authorizeCurrent(principal, .manageMembers, in: organizationID, on: connection)
            if member.role == .admin { try await ensureAnotherAdmin(besides: userID, in: organizationID, on: connection) }
            try await memberships.delete(userID, from: organizationID, on: connection)
            try await AuditLog.record(
                AuditEvent(
                    organizationID: organizationID,
                    actorID: principal.userID,
                    action: .memberRemoved,
                    targetType: .user,
                    targetID: userID.apiString,
                    ip: ip,
                    metadata: ["email": member.email, "role": member.role.rawValue]
                ),
                on: connection,
                logger: logger
            )
        }
        await identity.stamps.changed(.user(userID))
    }

    /// The membership, 404 when the user is not in this organization. Locks the organization row
    /// first, so concurrent demotions of the last two admins take turns and cannot both succeed.
    private func lockedMember(_ userID: UUID, in organizationID: UUID, on connection: PostgresConnection) async throws -> Member {
        try await Organization.lock(organizationID, on: connection, logger: logger)
        guard let member = try await memberships.member(userID, in: organizationID, on: connection) else { throw NotFound(.membership) }
        return member
    }

    /// The role check again, against the actor's role as it is now, under the organization lock: a
    /// request authenticated a moment before its sender was demoted must not act with the old role.
    private func authorizeCurrent(_ principal: Principal, _ action: Action, in organizationID: UUID, on connection: PostgresConnection)
        async throws
    {
        try principal.authorize(action)
        guard let role = try await memberships.role(of: principal.userID, in: organizationID, on: connection) else {
            throw NotFound(.membership)
        }
        guard role.allows(action) else { throw IdentityError.permissionDenied }
    }

    private func ensureAnotherAdmin(besides userID: UUID, in organizationID: UUID, on connection: PostgresConnection) async throws {
        let others = try await memberships.otherAdmins(besides: userID, in: organizationID, on: connection)
        if others == 0 { throw IdentityError.rejected("An organization must keep at least one admin.") }
    }
}
