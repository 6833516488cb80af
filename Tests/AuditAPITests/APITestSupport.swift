import Core
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import TestSupport

@testable import AuditAPI

/// Runs `body` against a live API server (real HTTP on a free loopback port) built by the same
/// `buildApplication` that production uses, on a database of its own.
func withAPI<Value: Sendable>(
    extra: [String: String] = [:],
    database: DatabaseSettings? = nil,
    _ body: @Sendable (any TestClientProtocol, AppConfig) async throws -> Value
) async throws -> Value {
    let settings: DatabaseSettings
    if let database {
        settings = database
    } else {
        settings = try await TestDatabase.migrated()
    }
    let config = try TestEnvironment.config(database: settings, extra: extra)
    let app = try await buildApplication(config: config)
    return try await app.test(.live) { client in try await body(client, config) }
}

extension TestResponse {
    var text: String { String(buffer: body) }

    func json() throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any] ?? [:]
    }
}

/// A plain HTTP GET to a server on 127.0.0.1, for tests that run the real executable.
enum HTTPProbe {
    static func get(port: Int, path: String) async throws -> (status: Int, body: String) {
        let client = TestClient(host: "127.0.0.1", port: port, configuration: .init(timeout: .seconds(30)))
        client.connect()
        do {
            let response = try await client.execute(.init(path, method: .get, authority: "localhost"))
            try await client.shutdown()
            return (Int(response.head.status.code), response.body.map { String(buffer: $0) } ?? "")
        } catch {
            try? await client.shutdown()
            throw error
        }
    }
}
