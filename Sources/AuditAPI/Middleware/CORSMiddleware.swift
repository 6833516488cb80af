import HTTPTypes
import Hummingbird

/// Cross-origin access for the browser origins in `CORS_ALLOWED_ORIGINS`, with credentials (cookie
/// sessions). Answers preflights itself; a request from another origin gets no CORS headers, so the
/// browser withholds the response, as django-cors-headers does.
struct CORSMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    let allowedOrigins: Set<String>

    static let allowedMethods = "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT"
    static let allowedHeaders = "accept, authorization, content-type, user-agent, x-csrftoken, x-request-id, if-none-match"
    static let exposedHeaders = "X-Request-ID, Retry-After, Location, ETag, Content-Disposition"
    static let maxAge = "86400"

    init(allowedOrigins: [String]) {
        self.allowedOrigins = Set(allowedOrigins)
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let origin = request.headers[.origin] else {
            return try await next(request, context)
        }
        let allowed = allowedOrigins.contains(origin.lowercased())
        if request.method == .options, request.headers[.accessControlRequestMethod] != nil {
            var response = Response(status: .ok)
            response.headers[.vary] = "Origin"
            if allowed {
                response.headers[.accessControlAllowOrigin] = origin
                response.headers[.accessControlAllowCredentials] = "true"
                response.headers[.accessControlAllowMethods] = Self.allowedMethods
                response.headers[.accessControlAllowHeaders] = Self.allowedHeaders
                response.headers[.accessControlMaxAge] = Self.maxAge
            }
            response.headers[.contentLength] = "0"
            return response
        }
        var response = try await next(request, context)
        response.headers.append(HTTPField(name: .vary, value: "Origin"))
        if allowed {
            response.headers[.accessControlAllowOrigin] = origin
            response.headers[.accessControlAllowCredentials] = "true"
            response.headers[.accessControlExposeHeaders] = Self.exposedHeaders
        }
        return response
    }
}
