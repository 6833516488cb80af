import Hummingbird

/// Hummingbird answers a known path with an unknown method as "not found"; DRF answers 405 with an
/// `Allow` header. The route table knows which methods each path has.
struct MethodNotAllowedMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    let routes: RouteTable

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            let allowed = routes.methods(for: request.uri.path)
            if !allowed.isEmpty, !allowed.contains(request.method) {
                throw APIError.methodNotAllowed(request.method, allowed: allowed)
            }
            throw APIError.notFound
        }
    }
}
