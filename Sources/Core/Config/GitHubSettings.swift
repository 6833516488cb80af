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
    /// Whether `base_url`s may be plain http or point at loopback/private addresses (development only).
    public var allowsPrivateBaseURLs: Bool

    public var oauthConfigured: Bool { clientID != nil && clientSecret != nil }

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
        allowsPrivateBaseURLs: Bool = false
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
        self.allowsPrivateBaseURLs = allowsPrivateBaseURLs
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
            allowsPrivateBaseURLs: !production
        )
        if (clientID == nil) != (clientSecret == nil) {
            throw ConfigError(clientID == nil ? "GITHUB_CLIENT_ID" : "GITHUB_CLIENT_SECRET", "must be set together with its pair")
        }
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
