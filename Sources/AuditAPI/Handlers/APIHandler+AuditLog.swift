import Core

/// Tag `audit-log`: the organization's security log.
extension APIHandler {
    func listAuditLog(_ input: Operations.ListAuditLog.Input) async throws -> Operations.ListAuditLog.Output {
        let principal = try scope.authenticated()
        let organizationID = try principal.organization()
        try principal.authorize(.readAuditLog)
        let page = try await auditLog.list(organizationID: organizationID, page: try Pagination.request(input.query.page))
        let links = try Pagination.links(page)
        return .ok(
            .init(body: .json(.init(count: page.count, next: links.next, previous: links.previous, results: page.items.map { .init($0) })))
        )
    }
}
