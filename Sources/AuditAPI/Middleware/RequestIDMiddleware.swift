import Foundation
import HTTPTypes
import Hummingbird

/// Gives every request an id: the caller's `X-Request-ID` when it is a sane token (so a trace spans
/// the load balancer and us), otherwise a fresh UUID. It is echoed on the response and attached to
/// every log line of the request.
struct RequestIDMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let id = request.headers[.requestID].flatMap(Self.accepted) ?? UUID().apiString
        context.requestID = id
        // Hummingbird's own per-connection counter would be a second, unrelated id in every line.
        context.logger[metadataKey: "hb.request.id"] = nil
        context.logger[metadataKey: "request_id"] = .string(id)
        var response = try await next(request, context)
        response.headers[.requestID] = id
        return response
    }

    /// Up to 128 characters of letters, digits and `-_.:`; anything else could forge log lines.
    static func accepted(_ value: String) -> String? {
        guard (1...128).contains(value.utf8.count) else { return nil }
        let allowed = value.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x2D || byte == 0x5F || byte == 0x2E || byte == 0x3A
        }
        return allowed ? value : nil
    }
}

extension HTTPField.Name {
    static let requestID = Self("X-Request-ID")!
}
