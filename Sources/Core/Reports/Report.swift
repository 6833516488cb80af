import Foundation
import PostgresNIO

/// A PDF report of one finished audit: requested by a member, rendered by the worker, stored with
/// the SHA-256 of its bytes.
public struct Report: Equatable, Sendable, TableRow {
    public enum Status: String, CaseIterable, Sendable {
        case pending = "PENDING"
        case running = "RUNNING"
        case ready = "READY"
        case error = "ERROR"
    }

    public let id: UUID
    public let organizationID: UUID
    public let auditID: UUID
    public let status: Status
    public let requestedBy: UUID?
    public let createdAt: Date
    public let finishedAt: Date?
    public let pages: Int?
    /// Bytes of the PDF, once READY.
    public let size: Int?
    /// SHA-256 (hex) of the PDF bytes, once READY.
    public let sha256: String?
    /// Why rendering failed, once ERROR.
    public let error: String?

    static let columns = "id, organization_id, audit_id, status, requested_by, created_at, finished_at, pages, size, sha256, error"
}

/// A READY report as a download: what the response headers need, before the bytes are read, so a
/// conditional request answered 304 never loads them.
public struct ReportDownload: Sendable {
    public let report: Report
    /// SHA-256 (hex) of the PDF bytes.
    public let sha256: String
    public let size: Int
    /// `auditmate-<org-slug>-<audit-date>.pdf`, the audit date being the day it finished (UTC).
    public let filename: String
}

/// Why a report operation was refused, beyond identity errors.
public enum ReportError: Error, Equatable, Sendable {
    /// The audit or report is in a state that does not allow it: a report of an unfinished audit,
    /// the download of a report that is not READY (409).
    case conflict(String)
}

extension Report {
    /// One row selected with `columns`.
    init(_ columns: PostgresRandomAccessRow) throws {
        self.init(
            id: try columns["id"].decode(UUID.self),
            organizationID: try columns["organization_id"].decode(UUID.self),
            auditID: try columns["audit_id"].decode(UUID.self),
            status: Status(rawValue: try columns["status"].decode(String.self)) ?? .error,
            requestedBy: try columns["requested_by"].decode(UUID?.self),
            createdAt: try columns["created_at"].decode(Date.self),
            finishedAt: try columns["finished_at"].decode(Date?.self),
            pages: try columns["pages"].decode(Int?.self),
            size: try columns["size"].decode(Int?.self),
            sha256: try columns["sha256"].decode(String?.self),
            error: try columns["error"].decode(String?.self)
        )
    }
}
