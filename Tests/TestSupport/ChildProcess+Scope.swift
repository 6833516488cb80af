/// Runs `body` with a started `process` and kills it, if it still runs, when `body` ends.
public func withChildProcess<Value>(
    _ process: ChildProcess,
    isolation: isolated (any Actor)? = #isolation,
    _ body: (ChildProcess) async throws -> Value
) async throws -> Value {
    try await withCleanup {
        try await body(process)
    } cleanup: {
        await process.terminate()
    }
}
