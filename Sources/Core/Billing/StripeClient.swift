import AsyncHTTPClient
import Foundation
import Logging
import NIOCore

/// The few Stripe API calls AuditMate makes, as Stripe expects them: form-encoded bodies with
/// bracketed nesting, bearer secret key, a pinned `Stripe-Version`, and an `Idempotency-Key` on
/// every POST so a retried request never creates a second object.
public struct StripeClient: Sendable {
    public static let apiVersion = "2024-06-20"

    let settings: BillingSettings
    let logger: Logger
    private let http: HTTPClient

    public init(settings: BillingSettings, logger: Logger, http: HTTPClient = .shared) {
        self.settings = settings
        self.logger = logger
        self.http = http
    }

    /// POSTs `fields` to `/v1/<path>` and decodes Stripe's answer as `Response`; nil when the answer
    /// is not such a JSON object (the caller names what was missing).
    func post<Response: Decodable>(_ path: String, fields: [(String, String)], idempotencyKey: String, as _: Response.Type)
        async throws -> Response?
    {
        guard let secretKey = settings.secretKey else { throw BillingError.notConfigured }
        var request = HTTPClientRequest(url: settings.apiURL + "/v1/" + path)
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(secretKey)")
        request.headers.add(name: "Stripe-Version", value: Self.apiVersion)
        request.headers.add(name: "Idempotency-Key", value: idempotencyKey)
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "User-Agent", value: "AuditMate/1.0")
        request.body = .bytes(ByteBuffer(string: Self.formEncode(fields)))

        let status: Int
        let body: ByteBuffer
        do {
            let response = try await http.execute(request, timeout: .seconds(Int64(settings.timeout.components.seconds)))
            status = Int(response.status.code)
            body = try await response.body.collect(upTo: 4 << 20)
        } catch {
            // The transport error names the URL at most; the key is only in a header.
            throw BillingError.upstream("Stripe did not answer: \(error)")
        }
        let data = Data(buffer: body)
        guard (200..<300).contains(status) else {
            let error = (try? JSONDecoder().decode(StripeErrorAnswer.self, from: data))?.error
            logger.warning(
                "Stripe refused a request",
                metadata: ["path": "\(path)", "status": "\(status)", "type": "\(error?.type ?? "")"]
            )
            throw BillingError.upstream("Stripe: \(error?.message ?? "HTTP \(status)")")
        }
        return try? JSONDecoder().decode(Response.self, from: data)
    }

    /// `application/x-www-form-urlencoded` with Stripe's bracket keys kept readable.
    static func formEncode(_ fields: [(String, String)]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~[]")
        return fields.map { key, value in
            let encodedKey = key.addingPercentEncoding(withAllowedCharacters: allowed) ?? key
            var valueAllowed = CharacterSet.alphanumerics
            valueAllowed.insert(charactersIn: "-._~")
            return encodedKey + "=" + (value.addingPercentEncoding(withAllowedCharacters: valueAllowed) ?? value)
        }.joined(separator: "&")
    }
}

/// Why a billing operation failed, beyond identity errors.
public enum BillingError: Error, Equatable, Sendable {
    case validation([String: [String]])
    /// Stripe refused or could not be reached (502); the message is safe to show.
    case upstream(String)
    /// `STRIPE_SECRET_KEY` is not set (503).
    case notConfigured
    /// The webhook's signature is missing, wrong or stale (400).
    case invalidSignature
    /// The webhook body is not a Stripe event (400).
    case malformedEvent
}
