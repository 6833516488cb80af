import Core
import Foundation

extension Components.Schemas.Report {
    init(_ report: Core.Report) {
        self.init(
            id: report.id.apiString,
            audit: report.auditID.apiString,
            status: Components.Schemas.ReportStatus(rawValue: report.status.rawValue)!,
            size: report.size,
            sha256: report.sha256,
            error: report.error,
            createdAt: report.createdAt,
            finishedAt: report.finishedAt
        )
    }
}

extension APIError {
    init(_ error: ReportError) {
        switch error {
        case .conflict(let message): self.init(.conflict, detail: message)
        }
    }
}

/// The download's conditional-request and attachment headers.
enum ReportDownloadHeaders {
    /// Whether an `If-None-Match` value names `etag`: `*`, or a list of (possibly weak) tags, as
    /// RFC 9110 compares them for GET (weak comparison). A bare hash, as clients that copy `sha256`
    /// from the report send it, counts as its quoted tag.
    static func matches(_ header: String, etag: String) -> Bool {
        header.split(separator: ",").contains { candidate in
            var tag = candidate.trimmingCharacters(in: .whitespaces)
            if tag == "*" { return true }
            if tag.hasPrefix("W/") { tag.removeFirst(2) }
            if !tag.hasPrefix("\"") { tag = "\"" + tag + "\"" }
            return tag == etag
        }
    }

    /// `attachment; filename="…"`; slugs are `[a-z0-9-]`, so the name never needs quoting beyond this.
    static func attachment(_ filename: String) -> String {
        "attachment; filename=\"\(filename.filter { $0.isASCII && $0 != "\"" && $0 != "\\" })\""
    }
}
