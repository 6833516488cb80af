import Core
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import TestSupport
import Testing

@testable import AuditAPI

@Suite("Edge: hosts, CORS, body limit, request ids, security headers")
struct EdgeMiddlewareTests {
    /// Sends one request with an explicit `Host` (the live test client always says "localhost").
    func request(port: Int, host: String, path: String = "/api/docs/") async throws -> TestClient.Response {
        let client = TestClient(host: "127.0.0.1", port: port, configuration: .init(timeout: .seconds(10)))
        client.connect()
        return try await withCleanup {
            try await client.execute(.init(path, method: .get, authority: host))
        } cleanup: {
            try? await client.shutdown()
        }
    }

    @Test func unknownHostsAreRejected() async throws {
        try await withAPI(extra: ["ALLOWED_HOSTS": "api.example.com,.example.org"]) { client, _ in
            let port = try #require(client.port)
            let good = try await request(port: port, host: "api.example.com:8000")
            #expect(good.status == .ok)
            #expect(try await request(port: port, host: "eu.example.org").status == .ok)

            let bad = try await request(port: port, host: "evil.example.com")
            #expect(bad.status == .badRequest)
            #expect(bad.body.map { String(buffer: $0) } == #"{"detail":"Invalid host header."}"#)
            #expect(bad.headers[.requestID] != nil)
            #expect(bad.headers[.xContentTypeOptions] == "nosniff")

            // Probes and scrapers address the pod by IP; the operational endpoints answer them.
            for path in ["/healthz", "/readyz", "/metrics"] {
                #expect(try await request(port: port, host: "10.1.2.3:8000", path: path).status == .ok, "\(path)")
            }
        }
    }

    @Test func corsPreflightAndSimpleRequests() async throws {
        try await withAPI(extra: ["CORS_ALLOWED_ORIGINS": "https://app.example.com"]) { client, _ in
            let preflight = try await client.execute(
                uri: "/readyz",
                method: .options,
                headers: [
                    .origin: "https://app.example.com", .accessControlRequestMethod: "GET", .accessControlRequestHeaders: "authorization",
                ]
            )
            #expect(preflight.status == .ok)
            #expect(preflight.headers[.accessControlAllowOrigin] == "https://app.example.com")
            #expect(preflight.headers[.accessControlAllowCredentials] == "true")
            #expect(preflight.headers[.accessControlAllowMethods]?.contains("POST") == true)
            #expect(preflight.headers[.accessControlAllowHeaders]?.contains("authorization") == true)

            let foreign = try await client.execute(
                uri: "/readyz",
                method: .options,
                headers: [.origin: "https://evil.example.com", .accessControlRequestMethod: "GET"]
            )
            #expect(foreign.headers[.accessControlAllowOrigin] == nil)
            #expect(foreign.headers[.accessControlAllowCredentials] == nil)

            let simple = try await client.execute(uri: "/healthz", method: .get, headers: [.origin: "https://app.example.com"])
            #expect(simple.status == .ok)
            #expect(simple.headers[.accessControlAllowOrigin] == "https://app.example.com")
            #expect(simple.headers[.vary] == "Origin")
            #expect(simple.headers[.accessControlExposeHeaders]?.contains("X-Request-ID") == true)

            // Error responses carry CORS headers too, so browser code can read them.
            let missing = try await client.execute(uri: "/nope/", method: .get, headers: [.origin: "https://app.example.com"])
            #expect(missing.status == .notFound)
            #expect(missing.headers[.accessControlAllowOrigin] == "https://app.example.com")
        }
    }

    @Test func oversizedBodiesGet413() async throws {
        try await withAPI(extra: ["MAX_REQUEST_BODY_BYTES": "2048"]) { client, _ in
            let big = ByteBuffer(repeating: UInt8(ascii: "x"), count: 4096)
            let response = try await client.execute(uri: "/healthz", method: .post, headers: [.contentType: "application/json"], body: big)
            #expect(response.status == .contentTooLarge)
            #expect(try response.json() as? [String: String] == ["detail": "Request body is too large; the limit is 2048 bytes."])

            // Within the limit the request goes on (and meets 405, since /healthz is GET only).
            let small = try await client.execute(uri: "/healthz", method: .post, body: ByteBuffer(string: "{}"))
            #expect(small.status == .methodNotAllowed)
        }
    }

    @Test func requestIDsAreEchoedOrMinted() async throws {
        try await withAPI { client, _ in
            let minted = try await client.execute(uri: "/healthz", method: .get)
            let id = try #require(minted.headers[.requestID])
            #expect(UUID(uuidString: id) != nil)

            let echoed = try await client.execute(uri: "/healthz", method: .get, headers: [.requestID: "lb-7f3a.42:abc_DEF"])
            #expect(echoed.headers[.requestID] == "lb-7f3a.42:abc_DEF")

            let forged = try await client.execute(uri: "/healthz", method: .get, headers: [.requestID: "x\" level=error"])
            #expect(forged.headers[.requestID] != "x\" level=error")
            #expect(UUID(uuidString: forged.headers[.requestID] ?? "") != nil)
        }
    }

    @Test func securityHeadersOnEveryResponse() async throws {
        try await withAPI { client, _ in
            for path in ["/healthz", "/missing"] {
                let response = try await client.execute(uri: path, method: .get)
                #expect(response.headers[.xContentTypeOptions] == "nosniff")
                #expect(response.headers[.xFrameOptions] == "DENY")
                #expect(response.headers[.referrerPolicy] == "same-origin")
                #expect(response.headers[.strictTransportSecurity] == nil, "no HSTS in development")
            }
        }
    }

    @Test func productionAddsHSTS() async throws {
        try await withAPI(extra: TestEnvironment.productionSettings) { client, _ in
            let response = try await client.execute(uri: "/healthz", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.strictTransportSecurity] == "max-age=31536000; includeSubDomains")
        }
    }
}
