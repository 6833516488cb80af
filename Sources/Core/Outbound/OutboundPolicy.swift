import Foundation

/// `scheme://host:port` of a URL, the unit redirects and pagination must stay within.
public struct Origin: Hashable, Sendable, CustomStringConvertible {
    public let scheme: String
    /// Lower-cased; IPv6 without brackets.
    public let host: String
    public let port: Int

    public init?(_ url: String) {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            scheme == "http" || scheme == "https", var host = components.host?.lowercased(), !host.isEmpty
        else { return nil }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        self.scheme = scheme
        self.host = host
        self.port = components.port ?? (scheme == "https" ? 443 : 80)
    }

    public var description: String { "\(scheme)://\(host.contains(":") ? "[\(host)]" : host):\(port)" }
}

/// Where outbound requests to URLs a tenant chose may go. Everything not allowed here is refused
/// before a packet leaves: the tenant gets nothing a stranger on the internet could not get.
public struct OutboundPolicy: Sendable, Equatable {
    /// Development: loopback (and only loopback) may be reached, over plain http too, so the local
    /// stack and the tests' fake GitHub work.
    public var allowsLoopback: Bool
    /// Host names (lower-cased, no trailing dot) whose private addresses (RFC 1918, 100.64/10,
    /// fc00::/7) the operator allows: GitHub Enterprise Servers on an internal network
    /// (`GITHUB_ENTERPRISE_HOSTS`).
    public var privateHosts: Set<String>
    /// The operator's own endpoints (`GITHUB_API_URL`, `GITHUB_WEB_URL`): configured, not typed by
    /// a tenant, so their addresses are not checked.
    public var trustedOrigins: Set<Origin>

    public init(allowsLoopback: Bool = false, privateHosts: Set<String> = [], trustedOrigins: Set<Origin> = []) {
        self.allowsLoopback = allowsLoopback
        self.privateHosts = Set(privateHosts.map { $0.lowercased() })
        self.trustedOrigins = trustedOrigins
    }

    public func trusts(_ origin: Origin) -> Bool { trustedOrigins.contains(origin) }

    /// Whether `address` (the host's own literal, or what its name resolved to) may be contacted.
    public func permits(_ address: IPAddress, host: String) -> Bool {
        switch address.kind {
        case .global: true
        case .loopback: allowsLoopback
        case .private: privateHosts.contains(host.lowercased())
        case .reserved: false
        }
    }
}
