/// What one tenant may make the system do at once, so that a trial account cannot starve the
/// others of workers, GitHub calls or API connections.
public struct QuotaSettings: Sendable, Equatable {
    /// PENDING or RUNNING audits per organization; the next start is refused (429).
    public var maxActiveAuditsPerOrganization: Int
    /// Audit event streams (SSE) open at once per user; the next is refused (429).
    public var maxStreamsPerUser: Int

    public init(maxActiveAuditsPerOrganization: Int = 5, maxStreamsPerUser: Int = 10) {
        self.maxActiveAuditsPerOrganization = maxActiveAuditsPerOrganization
        self.maxStreamsPerUser = maxStreamsPerUser
    }

    init(_ env: EnvironmentReader) throws(ConfigError) {
        self.init(
            maxActiveAuditsPerOrganization: try env.integer("ORG_MAX_ACTIVE_AUDITS", default: 5, in: 1...1_000_000),
            maxStreamsPerUser: try env.integer("SSE_MAX_STREAMS_PER_USER", default: 10, in: 1...1_000)
        )
    }
}
