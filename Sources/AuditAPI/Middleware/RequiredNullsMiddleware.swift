import Foundation
import HTTPTypes
import OpenAPIRuntime

/// Writes `null` for required-but-nullable keys that the generated encoders leave out (see
/// `ResponseShapes`). Runs inside the generated server, where each response's operation is known;
/// responses without such keys pass through untouched.
struct RequiredNullsMiddleware: ServerMiddleware {
    let shapes: ResponseShapes
    /// Larger than any answer the API builds: a page of evidence omits answers over 256 KiB a row,
    /// and a single row holds at most `GITHUB_MAX_RESPONSE_BYTES` of bodies (8 MiB by default).
    let maximumBody = 64 << 20

    func intercept(
        _ request: HTTPRequest,
        body: HTTPBody?,
        metadata: ServerRequestMetadata,
        operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        let (response, responseBody) = try await next(request, body, metadata)
        guard let responseBody, let shape = shapes.shape(operationID: operationID, status: response.status.code) else {
            return (response, responseBody)
        }
        let bytes = try await [UInt8](collecting: responseBody, upTo: maximumBody)
        guard let filled = JSONNullFiller.fill(bytes, shape) else { return (response, HTTPBody(bytes)) }
        var headers = response
        headers.headerFields[.contentLength] = String(filled.count)
        return (headers, HTTPBody(filled))
    }
}
