import Logging
import PostgresNIO

extension PostgresConnection {
    /// Runs `body` on one direct connection, closed afterwards: for one-shot commands (`migrate`),
    /// probes and tests. Unlike the pool, which retries quietly and lets queries wait, a failure to
    /// connect is thrown at once with its reason (refused, bad password, unknown database).
    public static func withConnection<Value: Sendable>(
        to settings: DatabaseSettings,
        logger: Logger,
        _ body: (PostgresConnection) async throws -> Value
    ) async throws -> Value {
        var configuration = PostgresConnection.Configuration(
            host: settings.host,
            port: settings.port,
            username: settings.username,
            password: settings.password,
            database: settings.database,
            tls: try settings.tls.connectionTLS
        )
        configuration.options.connectTimeout = .seconds(5)
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
        do {
            let value = try await body(connection)
            try await connection.close()
            return value
        } catch {
            try? await connection.close()
            throw error
        }
    }
}
