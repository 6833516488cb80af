/// Lifetimes and costs of authentication, and where client addresses may be trusted from.
public struct IdentitySettings: Sendable {
    public var accessTokenLifetime: Duration
    public var refreshTokenLifetime: Duration
    public var sessionLifetime: Duration
    /// bcrypt work factor; 12 in production, lower only to make tests fast.
    public var bcryptCost: Int
    /// Length of every throttling window (login failures, per-IP and per-user request budgets).
    public var throttleWindow: Duration
    /// Peers whose `X-Forwarded-For` is believed (load balancers, ingress controllers).
    public var trustedProxies: [IPAddressRange]

    public init(
        accessTokenLifetime: Duration = .seconds(300),
        refreshTokenLifetime: Duration = .seconds(86_400),
        sessionLifetime: Duration = .seconds(1_209_600),
        bcryptCost: Int = 12,
        throttleWindow: Duration = .seconds(60),
        trustedProxies: [IPAddressRange] = []
    ) {
        self.accessTokenLifetime = accessTokenLifetime
        self.refreshTokenLifetime = refreshTokenLifetime
        self.sessionLifetime = sessionLifetime
        self.bcryptCost = bcryptCost
        self.throttleWindow = throttleWindow
        self.trustedProxies = trustedProxies
    }

    init(_ env: EnvironmentReader) throws(ConfigError) {
        var proxies: [IPAddressRange] = []
        for entry in env.list("TRUSTED_PROXIES") {
            guard let range = IPAddressRange(entry) else {
                throw ConfigError("TRUSTED_PROXIES", "\"\(entry)\" is not an IP address or CIDR range (e.g. 10.0.0.0/8)")
            }
            proxies.append(range)
        }
        self.init(
            accessTokenLifetime: .seconds(try env.integer("ACCESS_TOKEN_LIFETIME_SECONDS", default: 300, in: 10...86_400)),
            refreshTokenLifetime: .seconds(try env.integer("REFRESH_TOKEN_LIFETIME_SECONDS", default: 86_400, in: 60...31_536_000)),
            sessionLifetime: .seconds(try env.integer("SESSION_LIFETIME_SECONDS", default: 1_209_600, in: 60...31_536_000)),
            bcryptCost: try env.integer("BCRYPT_COST", default: 12, in: 4...16),
            throttleWindow: .seconds(try env.integer("THROTTLE_WINDOW_SECONDS", default: 60, in: 1...3_600)),
            trustedProxies: proxies
        )
    }
}
