/// Runs `body`, then `cleanup`, awaited before the test goes on, whether `body` returned or threw.
/// `defer` cannot await, and a `Task` started in it outlives the test, racing the next one for the
/// servers and processes it was meant to free.
public func withCleanup<Value>(
    isolation: isolated (any Actor)? = #isolation,
    _ body: () async throws -> Value,
    cleanup: () async -> Void
) async throws -> Value {
    let value: Value
    do {
        value = try await body()
    } catch {
        await cleanup()
        throw error
    }
    await cleanup()
    return value
}
