import Foundation

/// `audits.scan`: run every check of one audit. Enqueued by the API when a member starts an audit,
/// and by beat for scheduled rescans.
public struct ScanAuditTask: TaskPayload, Equatable {
    public static let declaration = TaskDeclaration(
        name: "audits.scan",
        queue: "scans",
        argumentNames: ["audit_id"],
        retry: RetryPolicy(maxRetries: 5, base: .seconds(10), cap: .seconds(600)),
        // A scan of a large organization pages through many GitHub API calls.
        timeLimits: TaskTimeLimits(soft: .seconds(1_800), hard: .seconds(1_860)),
        ignoresResult: false
    )

    @LowercaseUUID public var auditID: UUID

    public init(auditID: UUID) {
        self.auditID = auditID
    }

    enum CodingKeys: String, CodingKey {
        case auditID = "audit_id"
    }

    /// Marks the audit ERROR with the reason, so nobody waits for a scan that will not come.
    public func recordFailure(_ failure: TaskFailure, using infrastructure: Infrastructure) async throws {
        try await AuditService.markFailed(
            auditID,
            reason: "The scan failed: \(failure.message)",
            postgres: infrastructure.postgres,
            logger: infrastructure.logger
        )
    }
}
