import Foundation
import PostgresNIO

/// One audit of a GitHub organization or repository, from request to result.
public struct Audit: Equatable, Sendable {
    public enum Status: String, CaseIterable, Sendable {
        case pending = "PENDING"
        case running = "RUNNING"
        case pass = "PASS"
        case fail = "FAIL"
        case error = "ERROR"
        case canceled = "CANCELED"

        public var isFinished: Bool { ![.pending, .running].contains(self) }
    }

    public enum Trigger: String, CaseIterable, Sendable {
        case manual
        case schedule
    }

    public struct Summary: Equatable, Sendable {
        public var passed = 0
        public var failed = 0
        public var errors = 0
        public var notApplicable = 0
    }

    public let id: UUID
    public let organizationID: UUID
    public let integrationID: UUID?
    /// `owner/name`, or nil for the whole GitHub organization.
    public let repository: String?
    /// Selected check ids; empty for the whole catalogue.
    public let checks: [String]
    public let trigger: Trigger
    public let status: Status
    public let requestedBy: UUID?
    public let createdAt: Date
    public let startedAt: Date?
    public let finishedAt: Date?
    public let score: Int?
    public let summary: Summary
    public let progressDone: Int
    public let progressTotal: Int
    public let evidenceDigest: String?
    public let error: String?
    /// Why a PENDING audit waits (GitHub's rate limit), and until when.
    public let pendingReason: String?
    public let notBefore: Date?

    static let columns = """
        id, organization_id, integration_id, repository, checks, trigger, status, requested_by, created_at, started_at,
        finished_at, score, passed, failed, errors, not_applicable, progress_done, progress_total, evidence_digest, error,
        pending_reason, not_before
        """

}

extension Audit: TableRow {
    /// One row selected with `columns`.
    init(_ columns: PostgresRandomAccessRow) throws {
        self.init(
            id: try columns["id"].decode(UUID.self),
            organizationID: try columns["organization_id"].decode(UUID.self),
            integrationID: try columns["integration_id"].decode(UUID?.self),
            repository: try columns["repository"].decode(String?.self),
            checks: try columns["checks"].decode([String].self),
            trigger: Trigger(rawValue: try columns["trigger"].decode(String.self)) ?? .manual,
            status: Status(rawValue: try columns["status"].decode(String.self)) ?? .error,
            requestedBy: try columns["requested_by"].decode(UUID?.self),
            createdAt: try columns["created_at"].decode(Date.self),
            startedAt: try columns["started_at"].decode(Date?.self),
            finishedAt: try columns["finished_at"].decode(Date?.self),
            score: try columns["score"].decode(Int?.self),
            summary: Summary(
                passed: try columns["passed"].decode(Int.self),
                failed: try columns["failed"].decode(Int.self),
                errors: try columns["errors"].decode(Int.self),
                notApplicable: try columns["not_applicable"].decode(Int.self)
            ),
            progressDone: try columns["progress_done"].decode(Int.self),
            progressTotal: try columns["progress_total"].decode(Int.self),
            evidenceDigest: try columns["evidence_digest"].decode(String?.self),
            error: try columns["error"].decode(String?.self),
            pendingReason: try columns["pending_reason"].decode(String?.self),
            notBefore: try columns["not_before"].decode(Date?.self)
        )
    }
}

/// Why an audit operation was refused, beyond identity errors.
public enum AuditError: Error, Equatable, Sendable {
    case validation([String: [String]])
    /// The audit is in a state that does not allow it, e.g. canceling a finished audit (409).
    case conflict(String)
    /// The organization has as many audits waiting or running as it may (429, `Retry-After`).
    case busy(String, retryAfter: Int)
}
