import Foundation
import Logging
import PostgresNIO

/// Every statement on `memberships` but the per-request principal reads (authentication and
/// re-authorization join it with users, logins and the subscription in one statement each, so a
/// request costs one round trip). Organizations manage members through it; identity asks it for a
/// user's roles and organizations.
struct MembershipTable: Sendable {
    let logger: Logger

    /// `userID` joins with `role`; a member already keeps the role they have (`keepingExisting`),
    /// otherwise a second membership is a unique violation.
    func insert(_ userID: UUID, into organizationID: UUID, role: Role, keepingExisting: Bool = false, on connection: PostgresConnection)
        async throws
    {
        if keepingExisting {
            try await connection.query(
                """
                INSERT INTO memberships (organization_id, user_id, role) VALUES (\(organizationID), \(userID), \(role.rawValue))
                ON CONFLICT (organization_id, user_id) DO NOTHING
                """,
                logger: logger
            )
        } else {
            try await connection.query(
                "INSERT INTO memberships (organization_id, user_id, role) VALUES (\(organizationID), \(userID), \(role.rawValue))",
                logger: logger
            )
        }
    }

    /// The user's role in `organizationID`, or nil when not a member.
    func role(of userID: UUID, in organizationID: UUID, activeAccountOnly: Bool = false, on connection: PostgresConnection) async throws
        -> Role?
    {
        let rows = try await connection.query(
            """
            SELECT m.role FROM memberships m JOIN users u ON u.id = m.user_id
            WHERE m.user_id = \(userID) AND m.organization_id = \(organizationID) AND (u.is_active OR NOT \(activeAccountOnly))
            """,
            logger: logger
        )
        for try await role in rows.decode(String.self) { return Role(rawValue: role) }
        return nil
    }

    /// The organization a login lands in when none is asked for: the one joined first.
    func firstOrganization(of userID: UUID, on connection: PostgresConnection) async throws -> UUID? {
        let rows = try await connection.query(
            "SELECT organization_id FROM memberships WHERE user_id = \(userID) ORDER BY joined_at, organization_id LIMIT 1",
            logger: logger
        )
        for try await id in rows.decode(UUID.self) { return id }
        return nil
    }

    /// Every organization the user belongs to (for the security log of account-wide events).
    func organizations(of userID: UUID, on connection: PostgresConnection) async throws -> [UUID] {
        let rows = try await connection.query("SELECT organization_id FROM memberships WHERE user_id = \(userID)", logger: logger)
        var ids: [UUID] = []
        for try await id in rows.decode(UUID.self) { ids.append(id) }
        return ids
    }

    /// The user's organizations with their names and the role held, in the order joined.
    func roles(of userID: UUID, on connection: PostgresConnection) async throws -> [OrganizationRole] {
        let rows = try await connection.query(
            """
            SELECT o.id, o.name, m.role FROM memberships m JOIN organizations o ON o.id = m.organization_id
            WHERE m.user_id = \(userID) ORDER BY m.joined_at, o.id
            """,
            logger: logger
        )
        var organizations: [OrganizationRole] = []
        for try await (id, name, role) in rows.decode((UUID, String, String).self) {
            if let role = Role(rawValue: role) { organizations.append(OrganizationRole(organizationID: id, name: name, role: role)) }
        }
        return organizations
    }

    /// Whether an account with `email` is a member already.
    func hasMember(email: String, in organizationID: UUID, on connection: PostgresConnection) async throws -> Bool {
        let rows = try await connection.query(
            """
            SELECT 1 FROM memberships m JOIN users u ON u.id = m.user_id
            WHERE m.organization_id = \(organizationID) AND u.email = \(email)
            """,
            logger: logger
        )
        for try await _ in rows.decode(Int.self) { return true }
        return false
    }

    /// One page of members, longest-standing first, and how many there are.
    func page(organizationID: UUID, _ page: PageRequest, on connection: PostgresConnection) async throws -> Page<Member> {
        let rows = try await connection.query(
            """
            SELECT u.id, u.email, u.full_name, m.role, m.joined_at, count(*) OVER ()
            FROM memberships m JOIN users u ON u.id = m.user_id
            WHERE m.organization_id = \(organizationID)
            ORDER BY m.joined_at, u.id
            LIMIT \(page.limit) OFFSET \(page.offset)
            """,
            logger: logger
        )
        var members: [Member] = []
        var total = 0
        for try await (id, email, name, role, joined, count) in rows.decode((UUID, String, String, String, Date, Int).self) {
            guard let role = Role(rawValue: role) else { continue }
            members.append(Member(userID: id, email: email, fullName: name, role: role, joinedAt: joined))
            total = count
        }
        if members.isEmpty {
            total = try await connection.count(
                "SELECT count(*) FROM memberships WHERE organization_id = \(organizationID)",
                logger: logger
            )
        }
        return Page(items: members, count: total, request: page)
    }

    func member(_ userID: UUID, in organizationID: UUID, on connection: PostgresConnection) async throws -> Member? {
        let rows = try await connection.query(
            """
            SELECT u.id, u.email, u.full_name, m.role, m.joined_at
            FROM memberships m JOIN users u ON u.id = m.user_id
            WHERE m.organization_id = \(organizationID) AND m.user_id = \(userID)
            """,
            logger: logger
        )
        for try await (id, email, name, role, joined) in rows.decode((UUID, String, String, String, Date).self) {
            if let role = Role(rawValue: role) { return Member(userID: id, email: email, fullName: name, role: role, joinedAt: joined) }
        }
        return nil
    }

    func changeRole(of userID: UUID, in organizationID: UUID, to role: Role, on connection: PostgresConnection) async throws {
        try await connection.query(
            "UPDATE memberships SET role = \(role.rawValue) WHERE organization_id = \(organizationID) AND user_id = \(userID)",
            logger: logger
        )
    }

    func delete(_ userID: UUID, from organizationID: UUID, on connection: PostgresConnection) async throws {
        try await connection.query(
            "DELETE FROM memberships WHERE organization_id = \(organizationID) AND user_id = \(userID)",
            logger: logger
        )
    }

    /// How many ADMINs the organization has besides `userID`.
    func otherAdmins(besides userID: UUID, in organizationID: UUID, on connection: PostgresConnection) async throws -> Int {
        try await connection.count(
            """
            SELECT count(*) FROM memberships
            WHERE organization_id = \(organizationID) AND role = \(Role.admin.rawValue) AND user_id <> \(userID)
            """,
            logger: logger
        )
    }
}
