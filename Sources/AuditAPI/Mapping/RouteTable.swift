import HTTPTypes
import Hummingbird
import OpenAPIHummingbird
import OpenAPIRuntime
import Synchronization

/// Every (method, path template) the API serves, recorded as the generated code registers its
/// operations, so that a known path with the wrong method can be answered 405 with `Allow`.
final class RouteTable: Sendable {
    private struct Route {
        let segments: [Substring]
        let method: HTTPRequest.Method
    }

    private let routes = Mutex<[Route]>([])

    func add(method: HTTPRequest.Method, path: String) {
        let route = Route(segments: Self.segments(of: path), method: method)
        routes.withLock { $0.append(route) }
    }

    /// Methods served at `path`, with HEAD wherever GET is (the router generates HEAD).
    func methods(for path: String) -> [HTTPRequest.Method] {
        let requested = Self.segments(of: path)
        var methods: [HTTPRequest.Method] = routes.withLock { routes in
            routes.filter { Self.matches($0.segments, requested) }.map(\.method)
        }
        if methods.contains(.get) && !methods.contains(.head) { methods.append(.head) }
        return methods.sorted { $0.rawValue < $1.rawValue }
    }

    private static func segments(of path: String) -> [Substring] {
        path.split(separator: "/", omittingEmptySubsequences: true)
    }

    private static func matches(_ template: [Substring], _ path: [Substring]) -> Bool {
        guard template.count == path.count else { return false }
        return zip(template, path).allSatisfy { pattern, segment in
            pattern.hasPrefix("{") || pattern.hasPrefix(":") || pattern == segment
        }
    }
}

/// Registers operations on the router and notes each one in the route table.
struct RecordingTransport<Context: RequestContext>: ServerTransport {
    let router: Router<Context>
    let table: RouteTable

    func register(
        _ handler: @Sendable @escaping (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?),
        method: HTTPRequest.Method,
        path: String
    ) throws {
        table.add(method: method, path: path)
        router.register(handler, method: method, path: path)
    }
}
