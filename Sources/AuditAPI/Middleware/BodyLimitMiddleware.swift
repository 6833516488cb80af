import Hummingbird

/// Caps request bodies at `MAX_REQUEST_BODY_BYTES`: a declared length over the limit is refused before
/// reading, and a chunked body is read only up to the limit. The body is buffered for the handler.
struct BodyLimitMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    let limit: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > limit {
            throw APIError.bodyTooLarge(limit: limit)
        }
        var request = request
        do {
            _ = try await request.collectBody(upTo: limit)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw APIError.bodyTooLarge(limit: limit)
        }
        return try await next(request, context)
    }
}
