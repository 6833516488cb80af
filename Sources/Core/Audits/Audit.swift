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
    /// How many `columns` there are; a statement's own columns follow them.
    static let columnCount = columns.split(separator: ",").count
}

extension Audit {
    /// The types of `columns`, in their order. Audits are the API's hottest rows: they decode by
    /// position, which costs half of what reading 22 columns by name did (BENCHMARKS.md). A new
    /// column goes into both lists, side by side here.
    typealias Columns = (
        UUID, UUID, UUID?, String?, [String], String, String, UUID?, Date, Date?,
        Date?, Int?, Int, Int, Int, Int, Int, Int, String?, String?, String?, Date?
    )

    /// One row selected with `columns` first (more columns may follow).
    init(_ row: PostgresRow) throws {
        let (
            id, organizationID, integrationID, repository, checks, trigger, status, requestedBy, createdAt, startedAt,
            finishedAt, score, passed, failed, errors, notApplicable, progressDone, progressTotal, evidenceDigest, error,
            pendingReason, notBefore
        ) = try row.decode(Columns.self)
        self.init(
            id: id,
            organizationID: organizationID,
            integrationID: integrationID,
            repository: repository,
            checks: checks,
            trigger: Trigger(rawValue: trigger) ?? .manual,
            status: Status(rawValue: status) ?? .error,
            requestedBy: requestedBy,
            createdAt: createdAt,
            startedAt: startedAt,
            finishedAt: finishedAt,
            score: score,
            summary: Summary(passed: passed, failed: failed, errors: errors, notApplicable: notApplicable),
            progressDone: progressDone,
            progressTotal: progressTotal,
            evidenceDigest: evidenceDigest,
            error: error,
            pendingReason: pendingReason,
            notBefore: notBefore
        )
    }

    static func decode(_ rows: PostgresRowSequence) async throws -> [Audit] {
        var audits: [Audit] = []
        for try await row in rows { audits.append(try Audit(row)) }
        return audits
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
