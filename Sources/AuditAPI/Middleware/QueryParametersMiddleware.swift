import HTTPTypes
import OpenAPIRuntime

/// Checks each operation's query parameters against the spec (`QueryRules`) before the generated
/// code decodes them: a page out of range is DRF's 404 "Invalid page.", any other bad value a 400
/// naming the parameter. Runs inside the generated server, where the operation is known, and after
/// authentication, so an anonymous call to a protected operation still answers 401 first.
struct QueryParametersMiddleware: ServerMiddleware {
    let rules: QueryRules

    func intercept(
        _ request: HTTPRequest,
        body: HTTPBody?,
        metadata: ServerRequestMetadata,
        operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        if let operation = rules.operation(operationID), !operation.parameters.isEmpty,
            let path = request.path, let mark = path.firstIndex(of: "?"),
            !operation.authenticated || RequestScope.current.principal != nil,
            let refusal = QueryRules.refusal(String(path[path.index(after: mark)...]), operation)
        {
            throw refusal
        }
        return try await next(request, body, metadata)
    }
}
