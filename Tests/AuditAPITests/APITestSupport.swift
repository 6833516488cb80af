import AsyncHTTPClient
import Core
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import TestSupport

@testable import AuditAPI

/// Runs `body` against a live API server (real HTTP on a free loopback port) built by the same
/// `buildApplication` that production uses, on `database` or else one of its own (dropped after).
func withAPI<Value: Sendable>(
    extra: [String: String] = [:],
    database: DatabaseSettings? = nil,
    _ body: @Sendable (any TestClientProtocol, AppConfig) async throws -> Value
) async throws -> Value {
    guard let database else {
        return try await TestDatabase.withMigrated { database in try await withAPI(extra: extra, database: database, body) }
    }
    let config = try TestEnvironment.config(database: database, extra: extra)
    let app = try await buildApplication(config: config)
    return try await app.test(.live) { client in try await body(client, config) }
}

extension TestResponse {
    var text: String { String(buffer: body) }

    /// The body as a JSON object. Any other body (empty, an array, not JSON at all) fails the test
    /// with the status and the text, rather than passing for an object without fields.
    func json() throws -> [String: Any] {
        let value: Any
        do {
            value = try JSONSerialization.jsonObject(with: Data(buffer: body))
        } catch {
            throw TestFailure("expected a JSON object, got \(status) with a body that is not JSON: \(text)")
        }
        guard let object = value as? [String: Any] else {
            throw TestFailure("expected a JSON object, got \(status): \(text)")
        }
        return object
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

/// Requests sent at the same time over connections of their own: the test server's client holds one
/// connection, which would serialize them, and races are what these tests are about.
enum ParallelRequests {
    static func send(
        _ count: Int,
        port: Int,
        _ method: HTTPRequest.Method,
        _ path: String,
        json: @escaping @Sendable (Int) -> [String: any Sendable],
        token: String? = nil,
        forwardedFor address: String
    ) async throws -> [(status: Int, body: String)] {
        try await send(count, port: port, method, path, json: json, token: token, forwardedFor: { _ in address })
    }

    static func send(
        _ count: Int,
        port: Int,
        _ method: HTTPRequest.Method,
        _ path: String,
        json: @escaping @Sendable (Int) -> [String: any Sendable],
        token: String? = nil,
        forwardedFor: @escaping @Sendable (Int) -> String
    ) async throws -> [(status: Int, body: String)] {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: count)
        let http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        do {
            let results = try await withThrowingTaskGroup(of: (Int, String).self) { group in
                for index in 0..<count {
                    group.addTask {
                        var request = HTTPClientRequest(url: "http://localhost:\(port)\(path)")
                        request.method = .init(rawValue: method.rawValue)
                        request.headers.add(name: "Content-Type", value: "application/json")
                        request.headers.add(name: "X-Forwarded-For", value: forwardedFor(index))
                        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
                        request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: json(index))))
                        let response = try await http.execute(request, timeout: .seconds(120))
                        return (Int(response.status.code), String(buffer: try await response.body.collect(upTo: 1 << 20)))
                    }
                }
                var all: [(Int, String)] = []
                for try await result in group { all.append(result) }
                return all
            }
            try await http.shutdown()
            return results.map { (status: $0.0, body: $0.1) }
        } catch {
            try? await http.shutdown()
            throw error
        }
    }
}
