import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// A local HTTP server that behaves like the parts of Stripe's API AuditMate uses: customers,
/// Checkout Sessions, billing-portal sessions; bearer secret keys, form-encoded bodies, idempotency
/// keys (a repeated key returns the first answer), and Stripe's error JSON.
public final class FakeStripe: Sendable {
    public struct Seen: Sendable {
        public let path: String
        /// Request headers, names lower-cased.
        public let headers: [String: String]
        public let form: [String: String]
        public let status: Int
    }

    public static let secretKey = "sk_test_fake_0123456789"

    private struct State {
        var prices: Set<String>
        var customers: Set<String> = []
        var idempotent: [String: String] = [:]
        var failures = 0
        var seen: [Seen] = []
    }

    private let state: Mutex<State>
    private let task: Mutex<Task<Void, any Error>?> = Mutex(nil)
    private let boundPort = Atomic<Int>(0)

    public var url: String { "http://127.0.0.1:\(boundPort.load(ordering: .acquiring))" }
    public var requests: [Seen] { state.withLock { $0.seen } }

    /// `prices` are the price ids that exist.
    public init(prices: Set<String>) async throws {
        state = Mutex(State(prices: prices))
        let started = AsyncStream<Int>.makeStream()
        let router = Router()
        router.post("**") { [self] request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            return respond(request, form: String(buffer: body))
        }
        var logger = Logger(label: "fake-stripe")
        logger.logLevel = .critical
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in started.continuation.yield(channel.localAddress?.port ?? 0) },
            logger: logger
        )
        let runner = Task { try await ServiceGroup(configuration: .init(services: [app], logger: logger)).run() }
        var iterator = started.stream.makeAsyncIterator()
        boundPort.store(await iterator.next() ?? 0, ordering: .releasing)
        task.withLock { $0 = runner }
    }

    /// The next `count` requests fail with Stripe's 500 `api_error`.
    public func failNext(_ count: Int) {
        state.withLock { $0.failures = count }
    }

    public func shutdown() {
        task.withLock { $0?.cancel() }
    }

    private func respond(_ request: Request, form: String) -> Response {
        let fields = FormDecoding.decode(form)
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName] = field.value }
        let path = request.uri.path
        return state.withLock { state -> Response in
            let (status, body) = answer(&state, path: path, headers: headers, fields: fields)
            state.seen.append(Seen(path: path, headers: headers, form: fields, status: status))
            var response = Response(status: .init(code: status), body: .init(byteBuffer: ByteBuffer(string: body)))
            response.headers[.contentType] = "application/json"
            response.headers[HTTPField.Name("Request-Id")!] = "req_" + UUID().uuidString.prefix(12)
            return response
        }
    }

    private func answer(_ state: inout State, path: String, headers: [String: String], fields: [String: String]) -> (Int, String) {
        guard headers["authorization"] == "Bearer \(Self.secretKey)" else {
            return Self.error(401, type: "invalid_request_error", message: "Invalid API Key provided: sk_test_****")
        }
        if state.failures > 0 {
            state.failures -= 1
            return Self.error(500, type: "api_error", message: "An unknown error occurred")
        }
        if let key = headers["idempotency-key"], let earlier = state.idempotent[key] {
            return (200, earlier)
        }
        let result: (Int, String)
        switch path {
        case "/v1/customers":
            let id = "cus_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(14)
            state.customers.insert(String(id))
            result = (
                200, Self.json(["id": String(id), "object": "customer", "name": fields["name"] ?? "", "metadata": Self.metadata(fields)])
            )
        case "/v1/checkout/sessions":
            guard fields["mode"] == "subscription" else {
                return Self.error(400, type: "invalid_request_error", message: "Invalid mode", param: "mode")
            }
            guard let price = fields["line_items[0][price]"], state.prices.contains(price) else {
                return Self.error(
                    400,
                    type: "invalid_request_error",
                    message: "No such price: '\(fields["line_items[0][price]"] ?? "")'",
                    param: "line_items[0][price]"
                )
            }
            guard let customer = fields["customer"], state.customers.contains(customer) else {
                return Self.error(
                    400,
                    type: "invalid_request_error",
                    message: "No such customer: '\(fields["customer"] ?? "")'",
                    param: "customer"
                )
            }
            let id = "cs_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "")
            result = (
                200,
                Self.json([
                    "id": id, "object": "checkout.session", "mode": "subscription", "customer": customer,
                    "client_reference_id": fields["client_reference_id"] ?? "", "url": "https://checkout.stripe.com/c/pay/\(id)",
                    "success_url": fields["success_url"] ?? "", "cancel_url": fields["cancel_url"] ?? "",
                ])
            )
        case "/v1/billing_portal/sessions":
            guard let customer = fields["customer"], state.customers.contains(customer) else {
                return Self.error(
                    400,
                    type: "invalid_request_error",
                    message: "No such customer: '\(fields["customer"] ?? "")'",
                    param: "customer"
                )
            }
            result = (
                200,
                Self.json([
                    "id": "bps_" + UUID().uuidString.prefix(8), "object": "billing_portal.session", "customer": customer,
                    "url": "https://billing.stripe.com/p/session/test_\(UUID().uuidString.prefix(8))",
                    "return_url": fields["return_url"] ?? "",
                ])
            )
        default:
            return Self.error(404, type: "invalid_request_error", message: "Unrecognized request URL (POST: \(path)).")
        }
        if let key = headers["idempotency-key"] { state.idempotent[key] = result.1 }
        return result
    }

    private static func metadata(_ fields: [String: String]) -> [String: String] {
        var metadata: [String: String] = [:]
        for (key, value) in fields where key.hasPrefix("metadata[") && key.hasSuffix("]") {
            metadata[String(key.dropFirst("metadata[".count).dropLast())] = value
        }
        return metadata
    }

    private static func json(_ object: [String: Any]) -> String {
        String(decoding: (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data(), as: UTF8.self)
    }

    private static func error(_ status: Int, type: String, message: String, param: String? = nil) -> (Int, String) {
        var error: [String: Any] = ["type": type, "message": message]
        if let param { error["param"] = param }
        return (status, json(["error": error]))
    }
}
