import Foundation
import HTTPTypes
import HummingbirdTesting
import OpenAPIKit30
import TestSupport
import Testing
import Yams

@testable import AuditAPI

@Suite("API schema and docs")
struct SchemaEndpointTests {
    static let operationalPaths = ["/healthz", "/readyz", "/metrics", "/api/schema/", "/api/docs/"]

    @Test func servedSchemaParsesAsOpenAPI3InJSONAndYAML() async throws {
        try await withAPI { client, _ in
            let json = try await client.execute(uri: "/api/schema/", method: .get)
            #expect(json.status == .ok)
            #expect(json.headers[.contentType]?.hasPrefix("application/vnd.oai.openapi+json") == true)
            let fromJSON = try JSONDecoder().decode(OpenAPI.Document.self, from: Data(buffer: json.body))
            #expect(fromJSON.openAPIVersion.rawValue.hasPrefix("3."))
            for path in Self.operationalPaths {
                #expect(fromJSON.paths[OpenAPI.Path(rawValue: path)] != nil, "\(path) is not documented")
            }
            try fromJSON.validate()

            for request in [("/api/schema/?format=yaml", HTTPFields()), ("/api/schema/", [.accept: "application/yaml"])] {
                let yaml = try await client.execute(uri: request.0, method: .get, headers: request.1)
                #expect(yaml.status == .ok)
                #expect(yaml.headers[.contentType]?.hasPrefix("application/yaml") == true)
                let fromYAML = try YAMLDecoder().decode(OpenAPI.Document.self, from: yaml.text)
                #expect(Set(fromYAML.paths.keys) == Set(fromJSON.paths.keys))
            }
        }
    }

    @Test func docsPageLoadsSwaggerUIForTheSchema() async throws {
        let directory = try #require(TestEnvironment.swaggerUIDirectory, "the test command installs Swagger UI")
        try await withAPI(extra: ["SWAGGER_UI_DIR": directory]) { client, _ in
            let page = try await client.execute(uri: "/api/docs/", method: .get)
            #expect(page.status == .ok)
            #expect(page.headers[.contentType]?.hasPrefix("text/html") == true)
            #expect(page.text.contains("/api/docs/swagger-ui-bundle.js"))
            let initializer = try await client.execute(uri: "/api/docs/swagger-initializer.js", method: .get)
            #expect(initializer.text.contains("SwaggerUIBundle"))
            #expect(initializer.text.contains("url: \"/api/schema/\""))
        }
    }

    @Test func unacceptableSchemaFormatIs406() async throws {
        try await withAPI { client, _ in
            let response = try await client.execute(uri: "/api/schema/", method: .get, headers: [.accept: "image/png"])
            #expect(response.status == .notAcceptable)
            #expect(try response.json() as? [String: String] == ["detail": "Could not satisfy the request Accept header."])
        }
    }
}
