import Foundation

/// How the API listens and which requests it accepts at the edge.
public struct HTTPSettings: Equatable, Sendable {
    public var host: String
    public var port: Int
    /// Host names the API answers to (Django's `ALLOWED_HOSTS` rules).
    public var allowedHosts: [AllowedHost]
    /// Browser origins allowed to call the API cross-origin, as `scheme://host[:port]`.
    public var corsAllowedOrigins: [String]
    public var maxRequestBodyBytes: Int
    /// Where clients reach the API (`https://api.example.com`), for absolute links such as
    /// pagination; without it links are built from the request's `Host`.
    public var publicURL: String?
    /// Production serves `/metrics` only on this second listener (on `host`), never on the public
    /// port: request counts per route are not for the internet.
    public var metricsPort: Int
    /// The Swagger UI distribution (`swagger-ui-dist`: `swagger-ui.css`, `swagger-ui-bundle.js`)
    /// that `/api/docs/` serves; without it the page lists the operations itself.
    public var swaggerUIDirectory: String?

    public init(
        host: String = "127.0.0.1",
        port: Int = 8000,
        allowedHosts: [AllowedHost],
        corsAllowedOrigins: [String] = [],
        maxRequestBodyBytes: Int = 1 << 20,
        publicURL: String? = nil,
        metricsPort: Int = 9100,
        swaggerUIDirectory: String? = nil
    ) {
        self.swaggerUIDirectory = swaggerUIDirectory
        self.host = host
        self.port = port
        self.metricsPort = metricsPort
        self.allowedHosts = allowedHosts
        self.corsAllowedOrigins = corsAllowedOrigins
        self.maxRequestBodyBytes = maxRequestBodyBytes
        self.publicURL = publicURL
    }

    /// A folder holding `swagger-ui-bundle.js` and `swagger-ui.css`.
    static func parseSwaggerUIDirectory(_ raw: String?, variable: String = "SWAGGER_UI_DIR") throws(ConfigError) -> String? {
        guard let raw else { return nil }
        for file in ["swagger-ui-bundle.js", "swagger-ui.css"] where !FileManager.default.isReadableFile(atPath: raw + "/" + file) {
            throw ConfigError(variable, "\"\(raw)\" has no readable \(file) (point it at a swagger-ui-dist folder)")
        }
        return raw
    }

    /// Whether `host` (a listen address) is this machine only: development must never listen
    /// beyond it, since it signs tokens with the published development key.
    static func isLoopback(_ host: String) -> Bool {
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        if bare.lowercased() == "localhost" { return true }
        return IPAddress(bare)?.kind == .loopback
    }

    /// True when the `Host` header value (with or without a port) names an allowed host.
    public func allows(hostHeader: String) -> Bool {
        let name = AllowedHost.hostName(fromHeader: hostHeader)
        guard !name.isEmpty else { return false }
        return allowedHosts.contains { $0.matches(name) }
    }

    static func parseAllowedHosts(_ raw: String, variable: String = "ALLOWED_HOSTS") throws(ConfigError) -> [AllowedHost] {
        let entries = raw.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !entries.isEmpty else { throw ConfigError(variable, "must list at least one host name") }
        var hosts: [AllowedHost] = []
        for entry in entries {
            guard let host = AllowedHost(entry) else {
                throw ConfigError(
                    variable,
                    "\"\(entry)\" is not a host name (list names such as api.example.com or .example.com, not URLs)"
                )
            }
            hosts.append(host)
        }
        return hosts
    }

    static func parsePublicURL(_ raw: String?, variable: String = "PUBLIC_URL") throws(ConfigError) -> String? {
        guard let raw else { return nil }
        guard let components = URLComponents(string: raw),
            let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = components.host, !host.isEmpty, components.query == nil
        else {
            throw ConfigError(variable, "\"\(raw)\" is not an http(s) URL (e.g. https://api.example.com)")
        }
        return raw.hasSuffix("/") ? String(raw.dropLast()) : raw
    }

    static func parseOrigins(_ entries: [String], variable: String = "CORS_ALLOWED_ORIGINS") throws(ConfigError) -> [String] {
        try entries.map { (entry: String) throws(ConfigError) -> String in
            if entry == "*" {
                // Cookie sessions need credentialed CORS, which browsers refuse with a wildcard.
                throw ConfigError(variable, "\"*\" is not allowed; list the origins, e.g. https://app.example.com")
            }
            guard let components = URLComponents(string: entry),
                let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
                let host = components.host, !host.isEmpty,
                components.path.isEmpty || components.path == "/",
                components.query == nil, components.user == nil
            else {
                throw ConfigError(variable, "\"\(entry)\" is not an origin (expected scheme://host[:port], e.g. https://app.example.com)")
            }
            let port = try components.checkedPort(default: 0, variable: variable)
            return port == 0 ? "\(scheme)://\(host.lowercased())" : "\(scheme)://\(host.lowercased()):\(port)"
        }
    }
}

/// One `ALLOWED_HOSTS` entry: `*` (any host), `.example.com` (the domain and its subdomains) or an exact name.
public enum AllowedHost: Equatable, Sendable {
    case any
    case domain(String)
    case exact(String)

    public init?(_ entry: String) {
        let lowered = entry.lowercased()
        if lowered == "*" {
            self = .any
            return
        }
        guard !lowered.contains("/"), !lowered.contains(" ") else { return nil }
        if lowered.hasPrefix(".") {
            guard lowered.count > 1 else { return nil }
            self = .domain(String(lowered.dropFirst()))
        } else {
            self = .exact(lowered)
        }
    }

    func matches(_ name: String) -> Bool {
        switch self {
        case .any: true
        case .exact(let host): name == host
        case .domain(let domain): name == domain || name.hasSuffix("." + domain)
        }
    }

    /// `Host: example.com:8000` → `example.com`; `[::1]:8000` → `[::1]`; lower-cased, trailing dot removed.
    static func hostName(fromHeader header: String) -> String {
        var value = header.lowercased().trimmingCharacters(in: .whitespaces)
        if value.hasPrefix("[") {
            if let end = value.firstIndex(of: "]") { value = String(value[...end]) }
        } else if let colon = value.lastIndex(of: ":") {
            value = String(value[..<colon])
        }
        if value.hasSuffix(".") { value.removeLast() }
        return value
    }
}
