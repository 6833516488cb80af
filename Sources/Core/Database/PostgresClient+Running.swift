import Logging
import PostgresNIO

extension PostgresClient {
    /// Runs `body` with a client that is running for exactly that long: for one-shot commands
    /// (`migrate`, `check`) and tests, where no service group owns the client.
    public static func withRunning<Value: Sendable>(
        settings: DatabaseSettings,
        applicationName: String,
        logger: Logger,
        _ body: (PostgresClient) async throws -> Value
    ) async throws -> Value {
        let client = PostgresClient(settings: settings, applicationName: applicationName, logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            return try await body(client)
        }
    }
}
