import Core
import Foundation
import HTTPTypes
import HummingbirdTesting
import TestSupport
import Testing

@testable import AuditAPI

@Suite("Health, readiness and metrics")
struct OperationsEndpointTests {
    @Test func livenessAndReadiness() async throws {
        try await withAPI { client, _ in
            let live = try await client.execute(uri: "/healthz", method: .get)
            #expect(live.status == .ok)
            #expect(try live.json()["status"] as? String == "ok")

            let ready = try await client.execute(uri: "/readyz", method: .get)
            #expect(ready.status == .ok)
            let body = try ready.json()
            #expect(body["status"] as? String == "ok")
            #expect(body["checks"] as? [String: String] == ["postgres": "ok", "redis": "ok"])
            #expect(body["detail"] == nil)
        }
    }

    @Test func readinessFollowsRedisDownAndBackUp() async throws {
        try await withRedisServer { redis in
            try await withAPI(extra: ["REDIS_URL": redis.url]) { client, _ in
                #expect(try await client.execute(uri: "/readyz", method: .get).status == .ok)

                try await redis.stop()
                let down = try await client.execute(uri: "/readyz", method: .get)
                #expect(down.status == .serviceUnavailable)
                let body = try down.json()
                #expect(body["status"] as? String == "unavailable")
                #expect(body["detail"] as? String == "redis unavailable")
                let checks = body["checks"] as? [String: String]
                #expect(checks?["postgres"] == "ok")
                #expect(checks?["redis"]?.isEmpty == false)
                #expect(checks?["redis"] != "ok")
                // Liveness does not depend on Redis.
                #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)

                try await redis.start()
                try await eventually("readiness did not recover after Redis came back") {
                    try await client.execute(uri: "/readyz", method: .get).status == .ok
                }
            }
        }
    }

    @Test func readinessNamesAHungDependency() async throws {
        let silent = try SilentListener()
        defer { silent.close() }
        try await withAPI(extra: ["REDIS_URL": "redis://127.0.0.1:\(silent.port)/0"]) { client, _ in
            let response = try await client.execute(uri: "/readyz", method: .get)
            #expect(response.status == .serviceUnavailable)
            let checks = try response.json()["checks"] as? [String: String]
            #expect(checks?["redis"] == "unavailable", "named, without the error text")
        }
    }

    @Test func metricsCountRequestsByRouteAndStatus() async throws {
        try await withAPI { client, _ in
            for _ in 0..<3 { _ = try await client.execute(uri: "/healthz", method: .get) }
            _ = try await client.execute(uri: "/no/such/page", method: .get)
            let response = try await client.execute(uri: "/metrics", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("text/plain") == true)
            let text = response.text
            #expect(text.contains(#"http_requests_total{route="/healthz",method="GET",status="200"} 3"#))
            #expect(text.contains(#"http_requests_total{route="NotFound",method="GET",status="404"} 1"#))
            #expect(text.contains(#"http_request_duration_seconds_bucket{route="/healthz",method="GET",status="200",le="+Inf"} 3"#))
            #expect(text.contains("# TYPE http_request_duration_seconds histogram"))
        }
    }

    @Test func headIsServedWhereverGetIs() async throws {
        try await withAPI { client, _ in
            let response = try await client.execute(uri: "/healthz", method: .head)
            #expect(response.status == .ok)
            #expect(response.body.readableBytes == 0)
        }
    }
}
