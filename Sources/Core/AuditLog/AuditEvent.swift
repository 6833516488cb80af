import Foundation

/// Who acted when no user did: the system names itself in the security log.
public enum SystemActor: String, Sendable, CaseIterable {
    /// Stripe's webhooks.
    case stripe
    /// Scheduled work (rescans, maintenance).
    case beat
    /// An operator's command (`AuditAPI deactivate-user`, ...).
    case `operator`
    /// GitHub's webhooks.
    case github
}

/// One security-relevant action, written to `audit_log` in the same transaction as the change.
/// Exactly one of `actorID` (a user) and `system` says who acted.
public struct AuditEvent: Sendable {
    public let organizationID: UUID
    public let actorID: UUID?
    public let system: SystemActor?
    /// `AuditAction`'s and `AuditTarget`'s spellings; strings only for the transitional initializer.
    let actionName: String
    let targetTypeName: String
    public let targetID: String
    public let ip: String
    /// Extra facts, e.g. `["from": "MEMBER", "to": "ADMIN"]`. Never secrets.
    public let metadata: [String: String]

    public init(
        organizationID: UUID,
        actorID: UUID?,
        system: SystemActor? = nil,
        action: AuditAction,
        targetType: AuditTarget,
        targetID: String,
        ip: String,
        metadata: [String: String] = [:]
    ) {
        self.init(
            organizationID: organizationID,
            actorID: actorID,
            system: system,
            actionName: action.rawValue,
            targetTypeName: targetType.rawValue,
            targetID: targetID,
            ip: ip,
            metadata: metadata
        )
    }

    private init(
        organizationID: UUID,
        actorID: UUID?,
        system: SystemActor?,
        actionName: String,
        targetTypeName: String,
        targetID: String,
        ip: String,
        metadata: [String: String]
    ) {
        self.organizationID = organizationID
        self.actorID = actorID
        self.system = system
        self.actionName = actionName
        self.targetTypeName = targetTypeName
        self.targetID = targetID
        self.ip = ip
        self.metadata = metadata
    }
}

/// An audit-log row as listed to ADMINs.
public struct AuditEntry: Sendable {
    public let id: Int
    public let actorID: UUID?
    public let actorEmail: String?
    public let system: SystemActor?
    public let action: String
    public let targetType: String
    public let targetID: String
    public let ip: String
    public let metadata: [String: String]
    public let createdAt: Date
}
