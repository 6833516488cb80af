import HTTPTypes
import OpenAPIRuntime

/// Checks each operation's parameters against the spec (`QueryRules`) before the generated code
/// decodes them: a path parameter that does not fit is 404, a page out of range DRF's 404 "Invalid
/// page.", any other bad query value a 400 naming the parameter. Runs inside the generated server, where the operation is known, and after
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
        guard let operation = rules.operation(operationID), !operation.authenticated || RequestScope.current.principal != nil else {
            return try await next(request, body, metadata)
        }
        if !QueryRules.pathFits(metadata.pathParameters, operation) { throw APIError.notFound }
        if !operation.parameters.isEmpty, let path = request.path, let mark = path.firstIndex(of: "?"),
            let refusal = QueryRules.refusal(String(path[path.index(after: mark)...]), operation)
        {
            throw refusal
        }
        return try await next(request, body, metadata)
    }
}
