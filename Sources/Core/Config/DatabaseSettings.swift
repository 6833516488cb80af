import Foundation

/// Where PostgreSQL is and how to reach it, parsed from a libpq-style URL:
/// `postgres://user:password@host:port/database?sslmode=disable|prefer|require|verify-full`.
public struct DatabaseSettings: Equatable, Sendable {
    /// libpq's `sslmode` values that postgres-nio can honour.
    public enum TLSMode: String, CaseIterable, Sendable {
        case disable
        case prefer
        /// Encrypt, but do not verify the server certificate (libpq's meaning of `require`).
        case require
        case verifyFull = "verify-full"
    }

    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    public var tls: TLSMode
    public var poolSize: Int

    public init(
        host: String,
        port: Int = 5432,
        username: String,
        password: String? = nil,
        database: String,
        tls: TLSMode = .prefer,
        poolSize: Int = 10
    ) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.tls = tls
        self.poolSize = poolSize
    }

    /// Parses `url`; `variable` names the setting in errors.
    public init(url: String, variable: String = "DATABASE_URL", poolSize: Int = 10) throws(ConfigError) {
        let expected = "expected postgres://user:password@host:port/database"
        guard let components = URLComponents(string: url),
            let scheme = components.scheme?.lowercased(), scheme == "postgres" || scheme == "postgresql"
        else {
            throw ConfigError(variable, "is not a PostgreSQL URL (\(expected))")
        }
        guard let host = components.host, !host.isEmpty else {
            throw ConfigError(variable, "has no host (\(expected))")
        }
        guard let username = components.user, !username.isEmpty else {
            throw ConfigError(variable, "has no user name (\(expected))")
        }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty, !database.contains("/") else {
            throw ConfigError(variable, "has no database name (\(expected))")
        }
        var tls = TLSMode.prefer
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let mode = item.value.flatMap(TLSMode.init(rawValue:)) else {
                    let allowed = TLSMode.allCases.map(\.rawValue).joined(separator: ", ")
                    throw ConfigError(variable, "sslmode must be one of \(allowed), got \"\(item.value ?? "")\"")
                }
                tls = mode
            default:
                throw ConfigError(variable, "has an unsupported parameter \"\(item.name)\" (only sslmode is understood)")
            }
        }
        let port = try components.checkedPort(default: 5432, variable: variable)
        self.init(
            host: host,
            port: port,
            username: username.removingPercentEncoding ?? username,
            password: components.password.map { $0.removingPercentEncoding ?? $0 },
            database: database.removingPercentEncoding ?? database,
            tls: tls,
            poolSize: poolSize
        )
    }

    /// The same settings pointing at another database on the same server.
    public func with(database: String) -> DatabaseSettings {
        var copy = self
        copy.database = database
        return copy
    }
}
