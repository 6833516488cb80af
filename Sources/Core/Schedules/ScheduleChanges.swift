import Foundation

/// What a request asks of a schedule. Creating needs `name` and `cron` (`timezone` defaults to UTC,
/// `enabled` to true, the target to the whole GitHub organization of the first integration); a
/// change sets only the fields given and keeps the others.
public struct ScheduleChanges: Sendable {
    /// What to audit. Given as a whole: a missing repository means the whole GitHub organization.
    public struct Target: Sendable {
        /// Nil picks the organization's first integration.
        public var integration: UUID?
        /// `owner/name`; nil for the whole GitHub organization.
        public var repository: String?

        public init(integration: UUID? = nil, repository: String? = nil) {
            self.integration = integration
            self.repository = repository
        }
    }

    public var name: String?
    public var target: Target?
    public var cron: String?
    public var timezone: String?
    public var enabled: Bool?

    public init(name: String? = nil, target: Target? = nil, cron: String? = nil, timezone: String? = nil, enabled: Bool? = nil) {
        self.name = name
        self.target = target
        self.cron = cron
        self.timezone = timezone
        self.enabled = enabled
    }
}
