import Foundation

/// How AuditMate reaches GitHub (or GitHub Enterprise Server) and its OAuth app.
public struct GitHubSettings: Sendable {
    /// REST base, `https://api.github.com` or `https://HOST/api/v3` for GHES.
    public var apiURL: String
    /// Web base for the OAuth flow, `https://github.com` or `https://HOST`.
    public var webURL: String
    public var clientID: String?
    public var clientSecret: String?
    /// Where GitHub sends the browser back; by default `PUBLIC_URL` + the callback path.
    public var redirectURL: String?
    /// Requests in flight per credential, per process.
    public var concurrencyPerCredential: Int
    /// Stop before the primary rate limit is spent, leaving this many calls for the customer.
    public var rateLimitReserve: Int
    public var timeout: Duration
    /// First wait after a secondary rate limit without `retry-after` (GitHub asks for at least a minute).
    public var secondaryLimitBackoff: Duration
    /// Development: loopback (and only loopback) may be reached through tenant `base_url`s, over
    /// plain http too, so the local stack and the tests' fake GitHub work.
    public var allowsLoopback: Bool
    /// GitHub Enterprise hosts (by name) whose private addresses tenants may reach.
    public var enterpriseHosts: Set<String>
    /// Larger answers are refused (the check that needed one is ERROR with that cause).
    public var maxResponseBytes: Int
    /// A listing follows at most this many `Link: rel="next"` pages.
    public var maxPages: Int
    /// The longest wait an upstream value (`retry-after`, `x-ratelimit-reset`) can impose.
    public var maxWait: Duration
    /// The GitHub App, when one is configured (`GitHubAppSettings`).
    public var app: GitHubAppSettings?

    public var oauthConfigured: Bool { clientID != nil && clientSecret != nil }

    /// Where GitHub calls may go: the operator's own URLs are trusted, everything a tenant typed is
    /// checked.
    public var outboundPolicy: OutboundPolicy {
        OutboundPolicy(
            allowsLoopback: allowsLoopback,
            privateHosts: enterpriseHosts,
            trustedOrigins: Set([apiURL, webURL].compactMap(Origin.init))
        )
    }

    public init(
        apiURL: String = "https://api.github.com",
        webURL: String = "https://github.com",
        clientID: String? = nil,
        clientSecret: String? = nil,
        redirectURL: String? = nil,
        concurrencyPerCredential: Int = 4,
        rateLimitReserve: Int = 50,
        timeout: Duration = .seconds(30),
        secondaryLimitBackoff: Duration = .seconds(60),
        allowsLoopback: Bool = false,
        enterpriseHosts: Set<String> = [],
        maxResponseBytes: Int = 8 << 20,
        maxPages: Int = 100,
        maxWait: Duration = .seconds(900),
        app: GitHubAppSettings? = nil
    ) {
        self.apiURL = apiURL
        self.webURL = webURL
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.redirectURL = redirectURL
        self.concurrencyPerCredential = concurrencyPerCredential
        self.rateLimitReserve = rateLimitReserve
        self.timeout = timeout
        self.secondaryLimitBackoff = secondaryLimitBackoff
        self.allowsLoopback = allowsLoopback
        self.enterpriseHosts = Set(enterpriseHosts.map { $0.lowercased() })
        self.maxResponseBytes = maxResponseBytes
        self.maxPages = maxPages
        self.maxWait = maxWait
        self.app = app
    }

    init(_ env: EnvironmentReader, production: Bool) throws(ConfigError) {
        self.init(
            apiURL: try Self.baseURL(env.string("GITHUB_API_URL", default: "https://api.github.com"), variable: "GITHUB_API_URL"),
            webURL: try Self.baseURL(env.string("GITHUB_WEB_URL", default: "https://github.com"), variable: "GITHUB_WEB_URL"),
            clientID: env.string("GITHUB_CLIENT_ID"),
            clientSecret: env.string("GITHUB_CLIENT_SECRET"),
            redirectURL: try env.string("GITHUB_OAUTH_REDIRECT_URL").map { (url: String) throws(ConfigError) -> String in
                try Self.baseURL(url, variable: "GITHUB_OAUTH_REDIRECT_URL")
            },
            concurrencyPerCredential: try env.integer("GITHUB_CONCURRENCY", default: 4, in: 1...32),
            rateLimitReserve: try env.integer("GITHUB_RATE_LIMIT_RESERVE", default: 50, in: 0...5_000),
            timeout: .seconds(try env.integer("GITHUB_TIMEOUT_SECONDS", default: 30, in: 1...300)),
            secondaryLimitBackoff: .seconds(try env.integer("GITHUB_SECONDARY_LIMIT_BACKOFF_SECONDS", default: 60, in: 1...3_600)),
            allowsLoopback: !production,
            enterpriseHosts: try Self.hostNames(env.list("GITHUB_ENTERPRISE_HOSTS")),
            maxResponseBytes: try env.integer("GITHUB_MAX_RESPONSE_BYTES", default: 8 << 20, in: (64 << 10)...(1 << 30)),
            maxPages: try env.integer("GITHUB_MAX_PAGES", default: 100, in: 1...10_000),
            maxWait: .seconds(try env.integer("GITHUB_MAX_WAIT_SECONDS", default: 900, in: 1...86_400)),
            app: try GitHubAppSettings.from(env)
        )
        if (clientID == nil) != (clientSecret == nil) {
            throw ConfigError(clientID == nil ? "GITHUB_CLIENT_ID" : "GITHUB_CLIENT_SECRET", "must be set together with its pair")
        }
    }

    /// Plain host names (no scheme, port or wildcard), lower-cased.
    static func hostNames(_ names: [String]) throws(ConfigError) -> Set<String> {
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789-.")
        var hosts = Set<String>()
        for name in names {
            let host = name.lowercased()
            guard !host.isEmpty, host.allSatisfy(allowed.contains), !host.hasPrefix("."), !host.hasSuffix("."),
                IPAddress.literal(host) == nil
            else {
                throw ConfigError("GITHUB_ENTERPRISE_HOSTS", "\"\(name)\" is not a host name (give names such as github.corp.example.com)")
            }
            hosts.insert(host)
        }
        return hosts
    }

    /// An http(s) URL without a trailing slash.
    static func baseURL(_ raw: String, variable: String) throws(ConfigError) -> String {
        guard let components = URLComponents(string: raw), let scheme = components.scheme?.lowercased(),
            scheme == "https" || scheme == "http", components.host?.isEmpty == false, components.query == nil
        else {
            throw ConfigError(variable, "\"\(raw)\" is not an http(s) URL")
        }
        return raw.hasSuffix("/") ? String(raw.dropLast()) : raw
    }
}
