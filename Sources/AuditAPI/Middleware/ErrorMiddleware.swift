import Hummingbird

/// Turns every error thrown below it into a DRF-shaped response. 5xx causes are logged with the
/// request id; the client only sees a generic message.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let apiError = APIError(translating: error)
            if apiError.status.code >= 500 {
                context.logger.error("request failed", metadata: ["error": .string(String(reflecting: error))])
            }
            return apiError.response()
        }
    }
}
