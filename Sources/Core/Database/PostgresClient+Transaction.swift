import Logging
import PostgresNIO

extension PostgresClient {
    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws.
    /// Unlike `withTransaction`, the body's own error comes out unchanged, so domain errors thrown
    /// inside (not found, validation) keep their meaning for the caller.
    public func transaction<Value: Sendable>(
        logger: Logger,
        _ body: (PostgresConnection) async throws -> Value
    ) async throws -> Value {
        do {
            return try await withTransaction(logger: logger) { connection in try await body(connection) }
        } catch let error as PostgresTransactionError {
            throw error.closureError ?? error
        }
    }
}
