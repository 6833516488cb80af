import Foundation

/// An invitation to join an organization with a role. Only the SHA-256 of its token is stored;
/// the token itself is shown once, to the ADMIN who created it.
public struct Invitation: Equatable, Sendable {
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
    typealias Row = (UUID, String, String, UUID?, Date, Date, Date?, Date?)

    init?(_ row: Row) {
        guard let role = Role(rawValue: row.2) else { return nil }
        self.init(
            id: row.0,
            email: row.1,
            role: role,
            invitedBy: row.3,
            createdAt: row.4,
            expiresAt: row.5,
            acceptedAt: row.6,
            revokedAt: row.7
        )
    }

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

/// What accepting an invitation produced: the membership, and for a new account its first login.
/// What accepting an invitation tells the caller: the organization joined and the role, nothing
/// about the account's other organizations. A new account also gets its user and a token pair.
public struct AcceptedInvitation: Sendable {
    public let organization: Organization
    public let role: Role
    /// Set when the invitation created the account.
    public let createdUser: User?
    public let tokens: TokenPair?
}
