/// Runs `body` with a `redis-server` of its own (see `RedisServer`) and kills the server when
/// `body` ends.
public func withRedisServer<Value>(
    password: String? = nil,
    isolation: isolated (any Actor)? = #isolation,
    _ body: (RedisServer) async throws -> Value
) async throws -> Value {
    let server = try await RedisServer(password: password)
    return try await withCleanup {
        try await body(server)
    } cleanup: {
        await server.shutdown()
    }
}
