import Core
import Foundation
import HTTPTypes
import OpenAPIRuntime

/// Answers the two hottest operations, `listAudits` (without filters) and `getAudit`, with
/// `CompactJSON` instead of the generated encoder and `RequiredNullsMiddleware`'s second pass. The
/// bytes are the same (`CompactJSONTests`); the generic path took 28 % of the API's CPU on the list,
/// this one about 6 % (BENCHMARKS.md). It sits after the parameter checks,
/// so what reaches it is already authenticated, budgeted and validated, and it calls the same
/// `AuditService` methods as the generated handlers. A list with filters goes on to the generated
/// handler, which decodes them.
struct HotResponsesMiddleware: ServerMiddleware {
    let audits: AuditService

    func intercept(
        _ request: HTTPRequest,
        body: HTTPBody?,
        metadata: ServerRequestMetadata,
        operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        switch operationID {
        case "listAudits":
            guard let page = Self.plainPage(request.path) else { break }
            let scope = RequestScope.current
            let audits = try await audits.list(try scope.authenticated(), filters: .init(), page: try Pagination.request(page))
            let links = try Pagination.links(audits, scope: scope)
            var json = CompactJSON(capacity: CompactJSON.capacity(audits: audits.items.count))
            json.auditPage(audits, next: links.next, previous: links.previous)
            return Self.ok(json)
        case "getAudit":
            guard let id = metadata.pathParameters["id"] else { break }
            let audit = try await audits.audit(try RequestScope.current.authenticated(), id: try UUID(pathParameter: String(id)))
            var json = CompactJSON(capacity: CompactJSON.capacity(audits: 1))
            json.audit(audit)
            return Self.ok(json)
        default:
            break
        }
        return try await next(request, body, metadata)
    }

    /// The page asked for when the query is empty or only `page=<digits>`; `.some(nil)` is the
    /// first page, nil a query for the generated handler.
    static func plainPage(_ path: String?) -> Int?? {
        guard let path, let mark = path.firstIndex(of: "?") else { return .some(nil) }
        let query = path[path.index(after: mark)...]
        if query.isEmpty { return .some(nil) }
        guard query.hasPrefix("page="), let number = Int(query.dropFirst(5)), query.dropFirst(5).allSatisfy(\.isASCIIDigit) else {
            return nil
        }
        return .some(number)
    }

    /// The generated server's headers for a JSON body.
    private static func ok(_ json: CompactJSON) -> (HTTPResponse, HTTPBody?) {
        var response = HTTPResponse(status: .ok)
        response.headerFields[.contentType] = "application/json; charset=utf-8"
        response.headerFields[.contentLength] = String(json.bytes.count)
        return (response, HTTPBody(json.bytes))
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
