import Core

/// Runs `body` with a `QueueTestKit` of its own and closes the kit's Redis client when it ends.
public func withQueueTestKit<Value>(
    database: DatabaseSettings,
    redisURL: String = TestEnvironment.redisURL,
    visibilityTimeout: Int = 60,
    isolation: isolated (any Actor)? = #isolation,
    _ body: (QueueTestKit) async throws -> Value
) async throws -> Value {
    let kit = try QueueTestKit(database: database, redisURL: redisURL, visibilityTimeout: visibilityTimeout)
    return try await withCleanup {
        try await body(kit)
    } cleanup: {
        await kit.close()
    }
}

extension QueueTestKit {
    /// Runs `body` with `AuditWorker worker` started with `arguments` (see `startWorker`), and kills
    /// the worker, if it still runs, when `body` ends.
    public func withWorker<Value>(
        _ arguments: [String],
        isolation: isolated (any Actor)? = #isolation,
        _ body: (ChildProcess) async throws -> Value
    ) async throws -> Value {
        try await withChildProcess(try startWorker(arguments), body)
    }
}
