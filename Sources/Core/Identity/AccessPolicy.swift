/// A member's role in an organization.
public enum Role: String, CaseIterable, Codable, Sendable {
    case admin = "ADMIN"
    case member = "MEMBER"
    case viewer = "VIEWER"

    /// The role matrix, written once. Every endpoint declares the `Action` it performs and asks
    /// `allows(_:)`; nothing else in the code base decides what a role may do.
    public func allows(_ action: Action) -> Bool {
        switch self {
        case .admin: true
        case .member: Action.memberActions.contains(action)
        case .viewer: action == .read
        }
    }
}

/// What a request does to an organization's data, as far as roles are concerned.
public enum Action: String, CaseIterable, Sendable {
    /// Read anything in the organization (every role).
    case read
    /// Start audits.
    case runAudits
    /// Cancel running audits (no subscription needed to stop work).
    case cancelAudits
    /// Request reports.
    case generateReports
    /// Create or enable scheduled rescans.
    case enableSchedules
    /// Change, disable and delete scheduled rescans.
    case manageSchedules
    /// Rename the organization.
    case manageOrganization
    /// Change roles, remove members, invite and revoke invitations.
    case manageMembers
    /// Read the security audit log.
    case readAuditLog
    /// Connect and remove GitHub integrations.
    case manageIntegrations
    /// Subscribe and manage the subscription.
    case manageBilling

    static let memberActions: Set<Action> = [.read, .runAudits, .cancelAudits, .generateReports, .enableSchedules, .manageSchedules]

    /// Premium features: besides the role, they need an active subscription (402 otherwise).
    public var isPremium: Bool {
        switch self {
        case .runAudits, .generateReports, .enableSchedules: true
        default: false
        }
    }
}
