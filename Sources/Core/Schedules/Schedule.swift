import Foundation
import PostgresNIO

/// An organization's periodic rescan: a target audited at the times a cron expression names on the
/// wall clock of an IANA time zone.
public struct Schedule: Equatable, Sendable, TableRow {
    /// Why the last due slot did not run.
    public enum SkipReason: String, CaseIterable, Sendable {
        /// The organization's subscription no longer allows premium features.
        case subscriptionInactive = "subscription_inactive"
        /// The schedule names no integration (it was removed, or none was connected when the
        /// schedule was created) and the organization has none to use instead.
        case noIntegration = "no_integration"
    }

    public let id: UUID
    public let organizationID: UUID
    public let name: String
    /// Nil when none was connected or it was removed: runs then use the organization's first one.
    public let integrationID: UUID?
    /// `owner/name`, or nil for the whole GitHub organization.
    public let repository: String?
    public let cron: String
    /// An IANA name such as `Europe/Berlin`.
    public let timezone: String
    public let enabled: Bool
    /// The next slot (UTC); nil while disabled.
    public let nextRunAt: Date?
    /// When beat last created an audit for it.
    public let lastRunAt: Date?
    public let lastAuditID: UUID?
    public let lastSkipReason: SkipReason?
    public let lastSkippedAt: Date?
    public let createdBy: UUID?
    public let createdAt: Date
    /// The last slot dispatched or skipped; next runs always come after it.
    let lastSlotAt: Date?

    /// The beat entry name its slots are claimed under.
    public static func beatEntry(_ id: UUID) -> String { "schedule:\(id.apiString)" }

    static let columns = """
        id, organization_id, name, integration_id, repository, cron, timezone, enabled, next_run_at, last_slot_at, last_run_at,
        last_audit_id, last_skip_reason, last_skipped_at, created_by, created_at
        """
}

/// Why a schedule operation was refused, beyond identity errors.
public enum ScheduleError: Error, Equatable, Sendable {
    /// Field errors, DRF style: `["cron": ["minute: 61 is out of range 0-59."]]`.
    case validation([String: [String]])
}

extension Schedule {
    /// One row selected with `columns`.
    init(_ columns: PostgresRandomAccessRow) throws {
        self.init(
            id: try columns["id"].decode(UUID.self),
            organizationID: try columns["organization_id"].decode(UUID.self),
            name: try columns["name"].decode(String.self),
            integrationID: try columns["integration_id"].decode(UUID?.self),
            repository: try columns["repository"].decode(String?.self),
            cron: try columns["cron"].decode(String.self),
            timezone: try columns["timezone"].decode(String.self),
            enabled: try columns["enabled"].decode(Bool.self),
            nextRunAt: try columns["next_run_at"].decode(Date?.self),
            lastRunAt: try columns["last_run_at"].decode(Date?.self),
            lastAuditID: try columns["last_audit_id"].decode(UUID?.self),
            lastSkipReason: try columns["last_skip_reason"].decode(String?.self).flatMap(SkipReason.init(rawValue:)),
            lastSkippedAt: try columns["last_skipped_at"].decode(Date?.self),
            createdBy: try columns["created_by"].decode(UUID?.self),
            createdAt: try columns["created_at"].decode(Date.self),
            lastSlotAt: try columns["last_slot_at"].decode(Date?.self)
        )
    }
}
