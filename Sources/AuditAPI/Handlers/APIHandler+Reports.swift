import Core
import Foundation
import HTTPTypes
import OpenAPIRuntime

/// Tag `reports`: requesting PDF reports of finished audits, reading and downloading them.
extension APIHandler {
    func createReport(_ input: Operations.CreateReport.Input) async throws -> Operations.CreateReport.Output {
        let (report, created) = try await reports.request(try scope.authenticated(), auditID: try UUID(pathParameter: input.path.id))
        scope.responseHeaders.add("Location", "/api/v1/reports/\(report.id.apiString)/")
        return created ? .accepted(.init(body: .json(.init(report)))) : .ok(.init(body: .json(.init(report))))
    }

    func listReports(_ input: Operations.ListReports.Input) async throws -> Operations.ListReports.Output {
        let principal = try scope.authenticated()
        let page = try await reports.list(
            principal,
            auditID: try UUID(pathParameter: input.path.id),
            page: try Pagination.request(input.query.page)
        )
        let links = try Pagination.links(page)
        return .ok(
            .init(body: .json(.init(count: page.count, next: links.next, previous: links.previous, results: page.items.map { .init($0) })))
        )
    }

    func getReport(_ input: Operations.GetReport.Input) async throws -> Operations.GetReport.Output {
        let report = try await reports.report(try scope.authenticated(), id: try UUID(pathParameter: input.path.id))
        return .ok(.init(body: .json(.init(report))))
    }

    func downloadReport(_ input: Operations.DownloadReport.Input) async throws -> Operations.DownloadReport.Output {
        let download = try await reports.download(try scope.authenticated(), id: try UUID(pathParameter: input.path.id))
        let etag = "\"\(download.sha256)\""
        let disposition = ReportDownloadHeaders.attachment(download.filename)
        // The OpenAPI runtime percent-encodes header values it serializes (`"` becomes `%22`), which
        // would break the quoted ETag and the attachment filename; the raw values set here replace
        // the encoded ones on the way out (AuthenticationMiddleware).
        scope.responseHeaders.add("ETag", etag)
        if let candidates = input.headers.ifNoneMatch, ReportDownloadHeaders.matches(candidates, etag: etag) {
            return .notModified(.init(headers: .init(eTag: etag)))
        }
        scope.responseHeaders.add("Content-Disposition", disposition)
        let bytes = try await reports.bytes(of: download)
        return .ok(.init(headers: .init(contentDisposition: disposition, eTag: etag), body: .pdf(HTTPBody(bytes))))
    }
}
