import Foundation
import PostgresNIO

/// An invitation to join an organization with a role. Only the SHA-256 of its token is stored;
/// the token itself is shown once, to the ADMIN who created it.
public struct Invitation: Equatable, Sendable, TableRow {
    public enum Status: String, Sendable {
        case pending, accepted, revoked, expired
    }

    public let id: UUID
    public let email: String
    public let role: Role
    public let invitedBy: UUID?
    public let createdAt: Date
    public let expiresAt: Date
    public let acceptedAt: Date?
    public let revokedAt: Date?

    public func status(at now: Date = .now) -> Status {
        if acceptedAt != nil { return .accepted }
        if revokedAt != nil { return .revoked }
        return expiresAt <= now ? .expired : .pending
    }

    static let columns = "id, email, role, invited_by, created_at, expires_at, accepted_at, revoked_at"

    init(id: UUID, email: String, role: Role, invitedBy: UUID?, createdAt: Date, expiresAt: Date, acceptedAt: Date?, revokedAt: Date?) {
        self.id = id
        self.email = email
        self.role = role
        self.invitedBy = invitedBy
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.acceptedAt = acceptedAt
        self.revokedAt = revokedAt
    }
}

extension Invitation {
    /// One row selected with `columns`. The role column's CHECK constraint admits only `Role`'s
    /// spellings; anything else reads as the least privileged role.
    init(_ columns: PostgresRandomAccessRow) throws {
        self.init(
            id: try columns["id"].decode(UUID.self),
            email: try columns["email"].decode(String.self),
            role: Role(rawValue: try columns["role"].decode(String.self)) ?? .viewer,
            invitedBy: try columns["invited_by"].decode(UUID?.self),
            createdAt: try columns["created_at"].decode(Date.self),
            expiresAt: try columns["expires_at"].decode(Date.self),
            acceptedAt: try columns["accepted_at"].decode(Date?.self),
            revokedAt: try columns["revoked_at"].decode(Date?.self)
        )
    }
}

/// What accepting an invitation tells the caller: the organization joined and the role, nothing
/// about the account's other organizations. A new account also gets its user and a token pair.
public struct AcceptedInvitation: Sendable {
    public let organization: Organization
    public let role: Role
    /// Set when the invitation created the account.
    public let createdUser: User?
    public let tokens: TokenPair?
}
