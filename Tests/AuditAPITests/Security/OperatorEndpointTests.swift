import AsyncHTTPClient
import Core
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import TestSupport
import Testing

@testable import AuditAPI

extension Security {
    /// Operator endpoints are not public, and pages load nothing from elsewhere.
    @Suite("operator endpoints and pages")
    struct OperatorEndpointTests {
        @Test func productionServesMetricsOnlyOnItsOwnListener() async throws {
            var settings = TestEnvironment.productionSettings
            let metricsPort = try #require(Int(settings["METRICS_PORT"] ?? ""))
            settings["ALLOWED_HOSTS"] = "localhost,127.0.0.1"
            try await withAPI(extra: settings) { client, _ in
                let public_ = try await client.execute(uri: "/metrics", method: .get)
                #expect(public_.status == .notFound)
                #expect(!public_.text.contains("http_requests_total"))
                _ = try await client.execute(uri: "/healthz", method: .get)
                var request = HTTPClientRequest(url: "http://127.0.0.1:\(metricsPort)/metrics")
                request.method = .GET
                let scraped = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
                #expect(scraped.status.code == 200)
                let text = String(buffer: try await scraped.body.collect(upTo: 1 << 20))
                #expect(text.contains("http_requests_total"))
            }
        }

        @Test func developmentRefusesToListenBeyondLoopback() throws {
            for host in ["0.0.0.0", "10.1.2.3", "::", "api.example.com"] {
                #expect(throws: ConfigError.self, "\(host)") { try AppConfig(environment: ["HOST": host]) }
            }
            for host in ["127.0.0.1", "::1", "localhost", "127.0.0.2"] {
                #expect(throws: Never.self, "\(host)") { try AppConfig(environment: ["HOST": host]) }
            }
            var production = TestEnvironment.productionSettings
            production["DATABASE_URL"] = "postgres://a:b@db.internal/x"
            production["REDIS_URL"] = "redis://redis.internal:6379/0"
            production["HOST"] = "0.0.0.0"
            #expect(throws: Never.self) { try AppConfig(environment: production) }
        }

        @Test func theDocsPageServesSwaggerUIFromThisOriginUnderAStrictPolicy() async throws {
            let directory = try #require(TestEnvironment.swaggerUIDirectory, "the test command installs Swagger UI")
            try await withAPI(extra: ["SWAGGER_UI_DIR": directory]) { client, _ in
                let page = try await client.execute(uri: "/api/docs/", method: .get)
                #expect(page.status == .ok)
                let policy = try #require(page.headers[.contentSecurityPolicy])
                #expect(policy.contains("default-src 'self'"))
                #expect(!policy.contains("unsafe-inline") && !policy.contains("http"))
                let html = page.text
                #expect(!html.contains("http://") && !html.contains("https://"), "nothing from another origin")
                #expect(!html.contains("<script>") && !html.contains("<style"), "no inline script or style")
                for file in ["swagger-ui.css", "swagger-ui-bundle.js", "swagger-initializer.js"] {
                    #expect(html.contains("/api/docs/\(file)"))
                    let asset = try await client.execute(uri: "/api/docs/\(file)", method: .get)
                    #expect(asset.status == .ok, "\(file)")
                    #expect(asset.body.readableBytes > 100)
                }
                let bundle = try await client.execute(uri: "/api/docs/swagger-ui-bundle.js", method: .get)
                #expect(bundle.headers[.contentType]?.hasPrefix("text/javascript") == true)
                #expect(try await client.execute(uri: "/api/docs/other.js", method: .get).status == .notFound)
                let json = try await client.execute(uri: "/healthz", method: .get)
                #expect(json.headers[.contentSecurityPolicy] == "default-src 'none'; frame-ancestors 'none'")
            }
            // Without the distribution: our own page, as strict.
            try await withAPI { client, _ in
                let page = try await client.execute(uri: "/api/docs/", method: .get)
                #expect(page.status == .ok)
                #expect(page.text.contains("/api/v1/audits/start/"))
                #expect(page.headers[.contentSecurityPolicy]?.contains("default-src 'self'") == true)
                #expect(try await client.execute(uri: "/api/docs/swagger-ui-bundle.js", method: .get).status == .notFound)
            }
        }
    }
}
