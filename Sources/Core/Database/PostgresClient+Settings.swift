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
            tls: settings.tls.clientTLS
        )
        configuration.options.maximumConnections = settings.poolSize
        configuration.options.connectTimeout = .seconds(5)
        // Shows which process holds a connection in pg_stat_activity.
        configuration.options.additionalStartupParameters = [("application_name", applicationName)]
        self.init(configuration: configuration, backgroundLogger: logger)
    }
}

extension DatabaseSettings.TLSMode {
    var clientTLS: PostgresClient.Configuration.TLS {
        switch self {
        case .disable:
            return .disable
        case .prefer:
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.certificateVerification = .none
            return .prefer(tls)
        case .require:
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.certificateVerification = .none
            return .require(tls)
        case .verifyFull:
            return .require(.makeClientConfiguration())
        }
    }
}
