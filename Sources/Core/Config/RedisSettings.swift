import Foundation

/// Where Redis is, parsed from `redis://[[user]:password@]host[:port][/db]`.
public struct RedisSettings: Equatable, Sendable {
    public var host: String
    public var port: Int
    /// ACL user name; `nil` authenticates as the default user (plain `AUTH password`).
    public var username: String?
    public var password: String?
    public var database: Int
    public var poolSize: Int
    /// Limit for establishing a connection.
    public var connectTimeout: Duration
    /// Limit for one reply on an established connection (blocking commands extend it).
    public var commandTimeout: Duration

    public init(
        host: String,
        port: Int = 6379,
        username: String? = nil,
        password: String? = nil,
        database: Int = 0,
        poolSize: Int = 8,
        connectTimeout: Duration = .seconds(2),
        commandTimeout: Duration = .seconds(5)
    ) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.poolSize = poolSize
        self.connectTimeout = connectTimeout
        self.commandTimeout = commandTimeout
    }

    public init(url: String, variable: String = "REDIS_URL", poolSize: Int = 8) throws(ConfigError) {
        let expected = "expected redis://[:password@]host:port/db"
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased() else {
            throw ConfigError(variable, "is not a Redis URL (\(expected))")
        }
        if scheme == "rediss" {
            // Debian's libhiredis is built without TLS support.
            throw ConfigError(variable, "uses rediss:// (TLS), which this build cannot speak; use redis:// on a private network")
        }
        guard scheme == "redis" else {
            throw ConfigError(variable, "is not a Redis URL (\(expected))")
        }
        guard let host = components.host, !host.isEmpty else {
            throw ConfigError(variable, "has no host (\(expected))")
        }
        let path = components.path.drop(while: { $0 == "/" })
        var database = 0
        if !path.isEmpty {
            guard let number = Int(path), (0...15).contains(number) else {
                throw ConfigError(variable, "database must be a number from 0 to 15, got \"\(path)\"")
            }
            database = number
        }
        let user = components.user.flatMap { $0.isEmpty ? nil : ($0.removingPercentEncoding ?? $0) }
        self.init(
            host: host,
            port: try components.checkedPort(default: 6379, variable: variable),
            username: user,
            password: components.password.map { $0.removingPercentEncoding ?? $0 },
            database: database,
            poolSize: poolSize
        )
    }
}
