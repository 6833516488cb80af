import HTTPTypes
import Hummingbird

/// Headers every response carries; HSTS only in production, where TLS terminates in front of us.
/// Every HTML page gets a Content-Security-Policy that lets it load only this origin's files, and
/// no inline script or style; other answers (JSON, PDFs) may load nothing at all.
struct SecurityHeadersMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    let strictTransportSecurity: Bool

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.xFrameOptions] = "DENY"
        response.headers[.referrerPolicy] = "same-origin"
        response.headers[.crossOriginOpenerPolicy] = "same-origin"
        let html = response.headers[.contentType]?.lowercased().hasPrefix("text/html") == true
        response.headers[.contentSecurityPolicy] = html ? Self.pagePolicy : Self.documentPolicy
        if strictTransportSecurity {
            response.headers[.strictTransportSecurity] = "max-age=31536000; includeSubDomains"
        }
        return response
    }
}

extension SecurityHeadersMiddleware {
    /// `data:` images: Swagger UI draws its icons from them.
    static let pagePolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
        + "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    static let documentPolicy = "default-src 'none'; frame-ancestors 'none'"
}

extension HTTPField.Name {
    static let xFrameOptions = Self("X-Frame-Options")!
    static let referrerPolicy = Self("Referrer-Policy")!
    static let crossOriginOpenerPolicy = Self("Cross-Origin-Opener-Policy")!
}
