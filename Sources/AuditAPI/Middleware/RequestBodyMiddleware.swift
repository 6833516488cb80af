import Foundation
import HTTPTypes
import OpenAPIRuntime

/// Checks JSON request bodies against the spec's top-level rules (`BodyRules`) before the generated
/// decoder sees them, so that a client learns every missing or mistyped field at once, as DRF
/// reports them. Bodies that are not JSON objects are left to the decoder's own errors. The body
/// limit has already capped the size.
struct RequestBodyMiddleware: ServerMiddleware {
    let rules: BodyRules
    let limit: Int

    func intercept(
        _ request: HTTPRequest,
        body: HTTPBody?,
        metadata: ServerRequestMetadata,
        operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        guard let rules = rules.body(operationID), let body else { return try await next(request, body, metadata) }
        let isJSON = request.headerFields[.contentType]?.lowercased().hasPrefix("application/json") == true
        if rules.optional && !isJSON && request.headerFields[.contentType] == nil {
            // No body sent: the generated decoder would read an empty one as malformed JSON.
            let bytes = try await [UInt8](collecting: body, upTo: limit)
            return try await next(request, bytes.isEmpty ? nil : HTTPBody(bytes), metadata)
        }
        guard isJSON, !rules.authenticated || RequestScope.current.principal != nil else { return try await next(request, body, metadata) }
        let bytes = try await [UInt8](collecting: body, upTo: limit)
        if let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] {
            let errors = BodyRules.errors(object, rules)
            if !errors.isEmpty { throw APIError(validation: errors) }
        }
        return try await next(request, HTTPBody(bytes), metadata)
    }
}
