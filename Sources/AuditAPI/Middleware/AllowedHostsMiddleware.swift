import Core
import Hummingbird

/// Rejects requests whose `Host` is not in `ALLOWED_HOSTS` (Django's defence against host-header
/// poisoning of absolute URLs, password-reset links among them).
struct AllowedHostsMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    let settings: HTTPSettings

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let host = request.head.authority ?? ""
        guard settings.allows(hostHeader: host) else {
            context.logger.warning("rejected request for a host not in ALLOWED_HOSTS", metadata: ["host": .string(host)])
            return APIError(.badRequest, detail: "Invalid host header.").response()
        }
        return try await next(request, context)
    }
}
