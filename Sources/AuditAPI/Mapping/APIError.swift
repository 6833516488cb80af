import Foundation
import HTTPTypes
import Hummingbird

/// An error answer in Django REST framework's shapes: `{"detail": "..."}`, or `{"field": ["...", ...]}`
/// for validation errors. Every error response of the API is rendered from one of these.
struct APIError: Error, HTTPResponseError, Sendable {
    enum Body: Sendable, Equatable {
        /// `{"detail": ...}`, with SimpleJWT's machine-readable `code` where it has one.
        case detail(String, code: String?)
        case fields([String: [String]])
    }

    let status: HTTPResponse.Status
    let body: Body
    var headers: HTTPFields = [:]

    init(_ status: HTTPResponse.Status, detail: String, code: String? = nil, headers: HTTPFields = [:]) {
        self.status = status
        self.body = .detail(detail, code: code)
        self.headers = headers
    }

    init(validation fields: [String: [String]]) {
        self.status = .badRequest
        self.body = .fields(fields)
    }

    // DRF's default messages, so clients written against the original API see the same text.
    static let notFound = APIError(.notFound, detail: "Not found.")
    static let serverError = APIError(.internalServerError, detail: "A server error occurred.")
    static let notAuthenticated = APIError(
        .unauthorized,
        detail: "Authentication credentials were not provided.",
        headers: [.wwwAuthenticate: #"Bearer realm="api""#]
    )
    static let permissionDenied = APIError(.forbidden, detail: "You do not have permission to perform this action.")
    static let malformed = APIError(.badRequest, detail: "Malformed request.")
    static let notAcceptable = APIError(.notAcceptable, detail: "Could not satisfy the request Accept header.")

    static func methodNotAllowed(_ method: HTTPRequest.Method, allowed: [HTTPRequest.Method]) -> APIError {
        let allow = allowed.map(\.rawValue).joined(separator: ", ")
        return APIError(.methodNotAllowed, detail: "Method \"\(method.rawValue)\" not allowed.", headers: [.allow: allow])
    }

    static func unsupportedMediaType(_ contentType: String?) -> APIError {
        APIError(.unsupportedMediaType, detail: "Unsupported media type \"\(contentType ?? "")\" in request.")
    }

    static func bodyTooLarge(limit: Int) -> APIError {
        APIError(.contentTooLarge, detail: "Request body is too large; the limit is \(limit) bytes.")
    }

    static func throttled(retryAfter seconds: Int) -> APIError {
        APIError(
            .tooManyRequests,
            detail: "Request was throttled. Expected available in \(seconds) second\(seconds == 1 ? "" : "s").",
            headers: [.retryAfter: String(seconds)]
        )
    }

    /// The default DRF message for a bare status, used when the error carries nothing more specific.
    static func status(_ status: HTTPResponse.Status) -> APIError {
        switch status.code {
        case 400: .malformed
        case 401: .notAuthenticated
        case 403: .permissionDenied
        case 404: .notFound
        case 406: .notAcceptable
        case 413: APIError(.contentTooLarge, detail: "Request body is too large.")
        case 415: .unsupportedMediaType(nil)
        case 429: APIError(.tooManyRequests, detail: "Request was throttled.")
        case 500...: .serverError
        default: APIError(status, detail: status.reasonPhrase)
        }
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        response()
    }

    func response() -> Response {
        let json: Data
        switch body {
        case .detail(let message, let code):
            json = (try? Self.encoder.encode(["detail": message, "code": code].compactMapValues { $0 })) ?? Data()
        case .fields(let fields):
            json = (try? Self.encoder.encode(fields)) ?? Data()
        }
        var headers = self.headers
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: json)))
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()
}
