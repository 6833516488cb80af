import Logging
import NIOSSL
import PostgresNIO

extension PostgresClient {
    /// A pooled client for `settings`. It must run (as a `Service` in the process's service group,
    /// or with `run()` in a task) before queries are served.
    public convenience init(settings: DatabaseSettings, applicationName: String, logger: Logger) {
        var configuration = PostgresClient.Configuration(
            host: settings.host,
            port: settings.port,
            username: settings.username,
            password: settings.password,
            database: settings.database,
            tls: settings.tls.poolTLS
        )
        configuration.options.maximumConnections = settings.poolSize
        configuration.options.connectTimeout = .seconds(5)
        // Shows which process holds a connection in pg_stat_activity. Generic plans apply to named
        // prepared statements only (`AuditTable+Statements.swift`), which are written for them.
        configuration.options.additionalStartupParameters = [
            ("application_name", applicationName), ("plan_cache_mode", "force_generic_plan"),
        ]
        self.init(configuration: configuration, backgroundLogger: logger)
    }
}

extension DatabaseSettings.TLSMode {
    /// libpq's `sslmode` in NIOSSL terms: `prefer` and `require` encrypt without verifying the
    /// certificate, as libpq does; `verify-full` verifies chain and host name. `nil` for `disable`.
    var tlsConfiguration: TLSConfiguration? {
        var configuration = TLSConfiguration.makeClientConfiguration()
        switch self {
        case .disable: return nil
        case .prefer, .require: configuration.certificateVerification = .none
        case .verifyFull: break
        }
        return configuration
    }

    var poolTLS: PostgresClient.Configuration.TLS {
        guard let configuration = tlsConfiguration else { return .disable }
        return self == .prefer ? .prefer(configuration) : .require(configuration)
    }

    var connectionTLS: PostgresConnection.Configuration.TLS {
        get throws {
            guard let configuration = tlsConfiguration else { return .disable }
            let context = try NIOSSLContext(configuration: configuration)
            return self == .prefer ? .prefer(context) : .require(context)
        }
    }
}
