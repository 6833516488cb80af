import AsyncHTTPClient
import Foundation
import NIOCore

/// A plain HTTP GET against this host, for the `healthcheck` subcommands: container runtimes that
/// probe by running a command (Docker's `HEALTHCHECK`) then ask the same endpoint Kubernetes does,
/// and the image needs no curl.
public enum LocalProbe {
    public struct Answer: Sendable {
        public var status: UInt
        public var body: String
    }

    public static func get(_ url: String, timeout: Duration = .seconds(3)) async throws -> Answer {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .init(timeout))
        let body = try await response.body.collect(upTo: 4 << 20)
        return Answer(status: response.status.code, body: String(buffer: body))
    }

    /// Exits 0 when `url` answers 2xx within `timeout`, else prints why on standard error and exits 1.
    public static func exitWithHealth(of url: String, timeout: Duration = .seconds(3)) async -> Never {
        do {
            let answer = try await get(url, timeout: timeout)
            guard (200..<300).contains(answer.status) else {
                Startup.fail("unhealthy: \(url) answered \(answer.status)", status: 1)
            }
            exit(0)
        } catch {
            Startup.fail("unhealthy: \(url): \(error)", status: 1)
        }
    }
}
