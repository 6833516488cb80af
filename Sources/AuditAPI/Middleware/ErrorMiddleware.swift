import Hummingbird
import OpenAPIRuntime

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
                context.logger.error("request failed", metadata: ["error": .string(Self.loggable(error))])
            }
            return apiError.response()
        }
    }

    /// What may be logged about an error. The generated server's errors describe the whole request,
    /// headers and body included (bearer tokens, GitHub tokens, passwords), so only the operation
    /// and the underlying cause are kept.
    static func loggable(_ error: any Error) -> String {
        if let error = error as? ServerError {
            return "\(error.operationID): \(String(describing: error.underlyingError))"
        }
        return String(describing: error)
    }
}
