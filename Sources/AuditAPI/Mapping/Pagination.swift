import Core
import Foundation

/// DRF's `PageNumberPagination` on the wire: `?page=N`, absolute `next` / `previous` links that keep
/// the request's other query parameters, and 404 "Invalid page." past the end.
enum Pagination {
    static let invalidPage = APIError(.notFound, detail: "Invalid page.")

    static func request(_ number: Int?) throws -> PageRequest {
        if let number, !(1...QueryRules.largestPage).contains(number) { throw invalidPage }
        return PageRequest(number)
    }

    /// Links for `page` of the list at the current request's URI; throws past the last page.
    static func links<Item>(_ page: Page<Item>, scope: RequestScope = .current) throws -> (next: String?, previous: String?) {
        if page.isPastTheEnd { throw invalidPage }
        let next = page.hasNext ? link(scope, page: page.request.number + 1) : nil
        let previous = page.hasPrevious ? link(scope, page: page.request.number - 1) : nil
        return (next, previous)
    }

    /// The current URI with `page` replaced; page 1 drops the parameter, as DRF does.
    private static func link(_ scope: RequestScope, page: Int) -> String {
        var components = URLComponents(string: scope.baseURL + scope.uri) ?? URLComponents()
        var items = (components.queryItems ?? []).filter { $0.name != "page" }
        if page > 1 { items.append(URLQueryItem(name: "page", value: String(page))) }
        components.queryItems = items.isEmpty ? nil : items
        return components.string ?? scope.baseURL + scope.uri
    }
}
