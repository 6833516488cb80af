import Core
import Foundation
import HTTPTypes
import OpenAPIRuntime

/// Answers the two hottest operations, `listAudits` (without filters) and `getAudit`, from this
/// process's `ResponseCache` while no audit was written since, else with `CompactJSON` instead of
/// the generated encoder and `RequiredNullsMiddleware`'s second pass. The
/// bytes are the same (`CompactJSONTests`); the generic path took 28 % of the API's CPU on the list,
/// this one about 6 % (BENCHMARKS.md). It sits after the parameter checks,
/// so what reaches it is already authenticated, budgeted and validated, and it calls the same
/// `AuditService` methods as the generated handlers. A list with filters goes on to the generated
/// handler, which decodes them.
struct HotResponsesMiddleware: ServerMiddleware {
    let audits: AuditService
    /// Answers kept by this process, current while the audits' version has not moved.
    let cache: ResponseCache

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
            let principal = try scope.authenticated()
            let organizationID = try principal.organization()
            try principal.authorize(.read)
            // The links in a page are absolute: the origin is part of the answer.
            return try await answer("list \(organizationID.apiString) \(scope.baseURL)\(scope.uri)") {
                let audits = try await audits.list(principal, filters: .init(), page: try Pagination.request(page))
                let links = try Pagination.links(audits, scope: scope)
                var json = CompactJSON(capacity: CompactJSON.capacity(audits: audits.items.count))
                json.auditPage(audits, next: links.next, previous: links.previous)
                return json.bytes
            }
        case "getAudit":
            guard let id = metadata.pathParameters["id"] else { break }
            let principal = try RequestScope.current.authenticated()
            let organizationID = try principal.organization()
            let auditID = try UUID(pathParameter: String(id))
            // Kept only for audits the organization has. The role still decides on every request,
            // after the audit was found, as `AuditService.audit` orders it.
            return try await answer("audit \(organizationID.apiString) \(auditID.apiString)", hit: { try principal.authorize(.read) }) {
                var json = CompactJSON(capacity: CompactJSON.capacity(audits: 1))
                json.audit(try await audits.audit(principal, id: auditID))
                return json.bytes
            }
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

    /// The answer kept under `key` while the audits' version has not moved (after `hit`'s checks),
    /// else the one `build` writes, kept for the next request.
    private func answer(
        _ key: String,
        hit: () throws -> Void = {},
        _ build: () async throws -> [UInt8]
    ) async throws -> (HTTPResponse, HTTPBody?) {
        let era = cache.era
        // Read with the request budget where it could be, before the audits are.
        var version = RequestScope.current.auditsVersion
        if version == nil { version = await audits.changes?.version() }
        if let bytes = cache.bytes(key, version: version) {
            try hit()
            return Self.ok(bytes)
        }
        let bytes = try await build()
        cache.store(key, bytes, version: version, era: era)
        return Self.ok(bytes)
    }

    /// The generated server's headers for a JSON body.
    private static func ok(_ bytes: [UInt8]) -> (HTTPResponse, HTTPBody?) {
        var response = HTTPResponse(status: .ok)
        response.headerFields[.contentType] = "application/json; charset=utf-8"
        response.headerFields[.contentLength] = String(bytes.count)
        return (response, HTTPBody(bytes))
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
