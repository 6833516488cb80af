import Foundation

/// One security-relevant action, written to `audit_log` in the same transaction as the change.
public struct AuditEvent: Sendable {
    public let organizationID: UUID
    public let actorID: UUID?
    public let action: String
    public let targetType: String
    public let targetID: String
    public let ip: String
    /// Extra facts, e.g. `["from": "MEMBER", "to": "ADMIN"]`. Never secrets.
    public let metadata: [String: String]

    public init(
        organizationID: UUID,
        actorID: UUID?,
        action: String,
        targetType: String = "",
        targetID: String = "",
        ip: String,
        metadata: [String: String] = [:]
    ) {
        self.organizationID = organizationID
        self.actorID = actorID
        self.action = action
        self.targetType = targetType
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
    public let action: String
    public let targetType: String
    public let targetID: String
    public let ip: String
    public let metadata: [String: String]
    public let createdAt: Date
}
