import Core
import Hummingbird

/// Rejects requests whose `Host` is not in `ALLOWED_HOSTS` (Django's defence against host-header
/// poisoning of absolute URLs, password-reset links among them).
///
/// The operational endpoints are exempt: kubelet probes and Prometheus scrapes address the pod by
/// its IP, and those endpoints build no URLs from the host.
struct AllowedHostsMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    let settings: HTTPSettings

    static let exemptPaths: Set<String> = ["/healthz", "/readyz", "/metrics"]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let host = request.head.authority ?? ""
        guard settings.allows(hostHeader: host) || Self.exemptPaths.contains(request.uri.path) else {
            context.logger.warning("rejected request for a host not in ALLOWED_HOSTS", metadata: ["host": .string(host)])
            return APIError(.badRequest, detail: "Invalid host header.").response()
        }
        return try await next(request, context)
    }
}
