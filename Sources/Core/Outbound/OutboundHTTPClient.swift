import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

/// One request through the outbound guard.
public struct OutboundRequest: Sendable {
    public var url: String
    public var method: HTTPMethod
    public var headers: HTTPHeaders
    public var body: [UInt8]?

    public init(url: String, method: HTTPMethod = .GET, headers: HTTPHeaders = [:], body: [UInt8]? = nil) {
        self.url = url
        self.method = method
        self.headers = headers
        self.body = body
    }
}

/// The answer, read whole (within the size limit).
public struct OutboundResponse: Sendable {
    /// The URL that answered, after any redirects.
    public let url: String
    public let status: Int
    public let headers: HTTPHeaders
    public let body: [UInt8]
}

/// The one way Core calls a URL a tenant chose (and the operator's own URLs, the same way). Before
/// each connection the host is checked and resolved once; every address it resolves to must be
/// allowed by the policy, and the connection goes to the checked address (pinned with
/// AsyncHTTPClient's `dnsOverride`, which keeps SNI and certificate checks on the host name), so a
/// DNS answer that changes between the check and the connect (rebinding) cannot redirect it.
/// Redirects are followed here, only within the origin of the request's scope; answers are read
/// up to a size limit.
public final class OutboundHTTPClient: Sendable {
    /// One per process: the pinned clients are shared by every caller.
    public static let shared = OutboundHTTPClient()

    /// Pinned clients kept at once; the least recently used beyond that is shut down.
    static let pinnedClientLimit = 32
    static let redirectStatuses: Set<Int> = [301, 302, 303, 307, 308]

    /// For numeric hosts and the operator's trusted origins: nothing to pin.
    private let direct: HTTPClient
    private let pinned = Mutex<PinnedClients>(PinnedClients())

    private struct PinnedClients {
        var clients: [String: (client: HTTPClient, used: UInt64)] = [:]
        var clock: UInt64 = 0
    }

    init() {
        direct = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: Self.configuration(dnsOverride: [:]))
    }

    private static func configuration(dnsOverride: [String: String]) -> HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            // AsyncHTTPClient keeps retrying a refused connection until this passes: short, so an
            // unreachable host is reported in seconds.
            timeout: .init(connect: .seconds(5)),
            decompression: .disabled
        )
        configuration.dnsOverride = dnsOverride
        return configuration
    }

    /// Sends `request`, following at most `maxRedirects` redirects that stay within `scope`'s
    /// origin. `peer` names the other side in errors ("the GitHub host").
    public func execute(
        _ request: OutboundRequest,
        policy: OutboundPolicy,
        scope: Origin,
        timeout: Duration,
        maxBodyBytes: Int,
        maxRedirects: Int = 3,
        logger: Logger
    ) async throws(OutboundError) -> OutboundResponse {
        var current = request
        var redirects = 0
        while true {
            let response = try await send(current, policy: policy, timeout: timeout, maxBodyBytes: maxBodyBytes, logger: logger)
            guard Self.redirectStatuses.contains(response.status), let location = response.headers.first(name: "location") else {
                return response
            }
            guard let target = URL(string: location, relativeTo: URL(string: current.url))?.absoluteURL.absoluteString,
                Origin(target) == scope
            else {
                logger.warning("outbound redirect refused", metadata: ["from": "\(current.url)", "to": "\(location)"])
                throw .redirectedOutside
            }
            redirects += 1
            guard redirects <= maxRedirects else { throw .tooManyRedirects }
            current.url = target
            // As browsers do: 303 always, and 301/302 after a POST, continue as a GET without a body.
            if response.status == 303 || (current.method == .POST && (response.status == 301 || response.status == 302)) {
                current.method = .GET
                current.body = nil
                current.headers.remove(name: "content-type")
            }
        }
    }

    private func send(_ request: OutboundRequest, policy: OutboundPolicy, timeout: Duration, maxBodyBytes: Int, logger: Logger)
        async throws(OutboundError) -> OutboundResponse
    {
        let checked: OutboundURL
        do {
            checked = try OutboundURL(checking: request.url, policy: policy)
        } catch {
            logger.warning("outbound request refused", metadata: ["url": "\(request.url)", "reason": "\(error)"])
            throw .refused(error)
        }
        let candidates: [HTTPClient]
        if checked.literal != nil || policy.trusts(checked.origin) {
            candidates = [direct]
        } else {
            let addresses: [IPAddress]
            do {
                addresses = try await HostResolver.addresses(of: checked.origin.host)
            } catch {
                logger.warning("outbound host did not resolve", metadata: ["host": "\(checked.origin.host)", "error": "\(error)"])
                throw .refused(.unresolvable)
            }
            guard !addresses.isEmpty else { throw .refused(.unresolvable) }
            if let forbidden = addresses.first(where: { !policy.permits($0, host: checked.origin.host) }) {
                logger.warning(
                    "outbound host resolves to a refused address",
                    metadata: ["host": "\(checked.origin.host)", "address": "\(forbidden)"]
                )
                throw .refused(.forbiddenAddress)
            }
            candidates = addresses.prefix(3).map { pinnedClient(host: checked.origin.host, rawHost: URL(string: request.url)?.host, $0) }
        }
        var lastFailure = OutboundError.connectFailed
        for client in candidates {
            do {
                return try await perform(request, on: client, timeout: timeout, maxBodyBytes: maxBodyBytes, logger: logger)
            } catch .connectFailed {
                lastFailure = .connectFailed  // the next address may answer
            }
        }
        throw lastFailure
    }

    private func perform(_ request: OutboundRequest, on client: HTTPClient, timeout: Duration, maxBodyBytes: Int, logger: Logger)
        async throws(OutboundError) -> OutboundResponse
    {
        var outgoing = HTTPClientRequest(url: request.url)
        outgoing.method = request.method
        outgoing.headers = request.headers
        if let body = request.body { outgoing.body = .bytes(ByteBuffer(bytes: body)) }
        do {
            let response = try await client.execute(outgoing, timeout: .milliseconds(Int64(timeout.seconds * 1000)))
            if let length = response.headers.first(name: "content-length").flatMap({ Int($0) }), length > maxBodyBytes {
                throw OutboundError.tooLarge(limit: maxBodyBytes)
            }
            let body = try await response.body.collect(upTo: maxBodyBytes)
            return OutboundResponse(
                url: request.url,
                status: Int(response.status.code),
                headers: response.headers,
                body: Array(buffer: body)
            )
        } catch let error as OutboundError {
            throw error
        } catch is NIOTooManyBytesError {
            throw .tooLarge(limit: maxBodyBytes)
        } catch {
            let classified = Self.classify(error)
            logger.warning("outbound request failed", metadata: ["url": "\(request.url)", "error": "\(error)"])
            throw classified
        }
    }

    /// The library's error as one of the few things a tenant is told.
    static func classify(_ error: any Error) -> OutboundError {
        if let error = error as? HTTPClientError {
            switch error {
            case .connectTimeout, .deadlineExceeded, .readTimeout, .writeTimeout, .getConnectionFromPoolTimeout: return .timedOut
            case .tlsHandshakeTimeout: return .tlsFailed
            default: return .connectFailed
            }
        }
        if error is NIOSSLError || error is BoringSSLError || error is NIOSSLExtraError { return .tlsFailed }
        return .connectFailed
    }

    /// The client whose connections go to `address` for `host`, made on first use.
    private func pinnedClient(host: String, rawHost: String?, _ address: IPAddress) -> HTTPClient {
        let key = "\(host) \(address)"
        var evicted: HTTPClient?
        let client = pinned.withLock { state -> HTTPClient in
            state.clock += 1
            if let existing = state.clients[key] {
                state.clients[key]?.used = state.clock
                return existing.client
            }
            var override = [host: address.description]
            if let rawHost, rawHost != host { override[rawHost] = address.description }
            let created = HTTPClient(
                eventLoopGroup: HTTPClient.defaultEventLoopGroup,
                configuration: Self.configuration(dnsOverride: override)
            )
            state.clients[key] = (created, state.clock)
            if state.clients.count > Self.pinnedClientLimit, let oldest = state.clients.min(by: { $0.value.used < $1.value.used }) {
                state.clients[oldest.key] = nil
                evicted = oldest.value.client
            }
            return created
        }
        if let evicted {
            // Requests may still run on it: shut it down once the longest allowed one has ended.
            Task {
                try? await Task.sleep(for: .seconds(330))
                try? await evicted.shutdown()
            }
        }
        return client
    }
}
