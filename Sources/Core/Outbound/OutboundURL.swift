import Foundation

/// Why the outbound guard refused a URL or an address before connecting. The messages are for the
/// tenant: they name the rule, never an address the host resolved to.
public enum OutboundRefusal: Error, Equatable, Sendable, CustomStringConvertible {
    /// Not an absolute http(s) URL with a host.
    case notHTTP
    /// Plain http to a host that is not this machine in development.
    case plainHTTP
    /// `user:password@` in the URL.
    case userinfo
    /// `github.example.com.`: a different name to resolvers and to certificate checks.
    case trailingDot
    /// Characters no host name has (percent-encoding, `_`, spaces, ...).
    case badHost
    /// A numeric host written other than in its usual form (`127.1`, `0x7f.0.0.1`, `2130706433`).
    case unusualAddressSpelling
    /// The host is, or resolves to, an address the policy does not allow (loopback, private,
    /// link-local, metadata, multicast, ...).
    case forbiddenAddress
    /// The host name has no address.
    case unresolvable

    public var description: String {
        switch self {
        case .notHTTP: "Enter an absolute https URL."
        case .plainHTTP: "Use https: plain http is only allowed to this machine in development."
        case .userinfo: "Remove the user name and password from the URL; the token authenticates the requests."
        case .trailingDot: "Remove the trailing dot from the host name."
        case .badHost: "The host name is not valid."
        case .unusualAddressSpelling: "Write the host as a name or as a usual IP address (such as 203.0.113.7)."
        case .forbiddenAddress:
            "The host is not reachable from the internet (loopback, private, link-local or reserved address); "
                + "an operator can allow a private GitHub Enterprise host by name."
        case .unresolvable: "The host name could not be resolved."
        }
    }
}

/// A URL the outbound guard has checked as far as it can without DNS: its origin, and the address
/// when the host is numeric.
public struct OutboundURL: Sendable {
    public let origin: Origin
    /// The host's address when the URL names one directly (no DNS).
    public let literal: IPAddress?

    /// Checks `raw` against `policy`. The operator's trusted origins pass as they are.
    public init(checking raw: String, policy: OutboundPolicy) throws(OutboundRefusal) {
        guard let components = URLComponents(string: raw), let scheme = components.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let rawHost = components.percentEncodedHost, !rawHost.isEmpty,
            let origin = Origin(raw)
        else { throw .notHTTP }
        if let trusted = policy.trustedOrigins.first(where: { $0 == origin }) {
            self.origin = trusted
            self.literal = IPAddress(trusted.host)
            return
        }
        // URLComponents accepts an empty user (`https://@host`); any `@` before the host is userinfo.
        if components.percentEncodedUser != nil || components.percentEncodedPassword != nil { throw .userinfo }
        if let authority = raw.split(separator: "/", maxSplits: 3, omittingEmptySubsequences: false).dropFirst(2).first,
            authority.contains("@")
        {
            throw .userinfo
        }
        let host = rawHost.lowercased()
        if host.hasSuffix(".") { throw .trailingDot }
        if let port = components.port, !(1...65_535).contains(port) { throw .notHTTP }

        let address: IPAddress?
        if host.hasPrefix("[") {
            guard let parsed = IPAddress.literal(host) else { throw .badHost }
            address = parsed
        } else if let parsed = IPAddress.legacyIPv4(host) {
            // Only the dotted quad is an address's usual form; the other spellings exist to slip past
            // checks, except loopback's where loopback is allowed anyway.
            if IPAddress(host) == nil && !(policy.allowsLoopback && parsed.kind == .loopback) { throw .unusualAddressSpelling }
            address = parsed
        } else {
            let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789-.")
            guard host.allSatisfy(allowed.contains), !host.hasPrefix("."), !host.contains("..") else { throw .badHost }
            address = nil
        }
        if let address, !policy.permits(address, host: host) { throw .forbiddenAddress }
        if address == nil && (host == "localhost" || host.hasSuffix(".localhost")) && !policy.allowsLoopback {
            throw .forbiddenAddress
        }
        let local = address?.kind == .loopback || host == "localhost" || host.hasSuffix(".localhost")
        if scheme == "http" && !(policy.allowsLoopback && local) { throw .plainHTTP }
        self.origin = origin
        self.literal = address
    }
}
