import Logging
import NIOPosix
import ServiceLifecycle
import Synchronization

/// A pool of hiredis connections with an async API.
///
/// hiredis is blocking, so every call runs on the client's own thread pool (one thread per pooled
/// connection), never on Swift's cooperative pool. Idle connections that the server has closed,
/// for instance because Redis restarted, are detected before reuse and replaced, so callers see no
/// error after a restart. A connection that fails mid-command is discarded and the error thrown.
public final class RedisClient: Service, Sendable {
    public let settings: RedisSettings
    private let logger: Logger
    private let threadPool: NIOThreadPool
    private let idle = Mutex<[RedisConnection]>([])

    public init(settings: RedisSettings, logger: Logger) {
        self.settings = settings
        self.logger = logger
        self.threadPool = NIOThreadPool(numberOfThreads: settings.poolSize)
        self.threadPool.start()
    }

    /// Sends one command; an error reply is thrown as `RedisError.server`.
    /// `timeout` extends the reply deadline for blocking commands such as `BLMOVE`.
    @discardableResult
    public func send(_ command: RedisCommand, timeout: Duration? = nil) async throws -> RedisReply {
        try await onConnection { connection throws(RedisError) in try connection.send(command, timeout: timeout) }
    }

    @discardableResult
    public func send(_ name: String, _ arguments: any RedisArgument...) async throws -> RedisReply {
        try await send(RedisCommand(name, arguments))
    }

    /// Sends all commands in one round trip; replies come back in order, error replies in place.
    public func pipeline(_ commands: [RedisCommand]) async throws -> [RedisReply] {
        guard !commands.isEmpty else { return [] }
        return try await onConnection { connection throws(RedisError) in try connection.pipeline(commands) }
    }

    /// Runs the commands inside `MULTI`/`EXEC` in one round trip and returns `EXEC`'s replies.
    public func transaction(_ commands: [RedisCommand]) async throws -> [RedisReply] {
        let replies = try await pipeline([RedisCommand("MULTI")] + commands + [RedisCommand("EXEC")])
        for reply in replies.dropLast() {
            if case .error(let message) = reply { throw RedisError.server(message) }
        }
        guard case .array(let results) = replies.last else {
            throw RedisError.unexpectedReply("EXEC returned \(String(describing: replies.last))")
        }
        return results
    }

    /// Runs a Lua script by `EVALSHA`, loading it with `SCRIPT LOAD` when the server does not know it
    /// yet (first use, or after a restart emptied the script cache).
    @discardableResult
    public func evaluate(_ script: RedisScript, keys: [String] = [], arguments: [any RedisArgument] = []) async throws -> RedisReply {
        let call = RedisCommand("EVALSHA", [script.sha1, keys.count] + keys + arguments)
        return try await onConnection { connection throws(RedisError) in
            do throws(RedisError) {
                return try connection.send(call)
            } catch .server(let message) where message.hasPrefix("NOSCRIPT") {
                _ = try connection.send(RedisCommand("SCRIPT", "LOAD", script.source))
                return try connection.send(call)
            }
        }
    }

    /// Round trip to the server; throws when it cannot be reached.
    public func ping() async throws {
        let reply = try await send("PING")
        guard reply.string == "PONG" else { throw RedisError.unexpectedReply("PING answered \(reply)") }
    }

    /// Waits for graceful shutdown, then closes the pool. Listed before its users in a service group
    /// so that it stops after them.
    public func run() async throws {
        try? await gracefulShutdown()
        try await close()
    }

    /// Closes idle connections and stops the thread pool; later calls fail with a connection error.
    public func close() async throws {
        try await threadPool.shutdownGracefully()
        idle.withLock { $0.removeAll() }
    }

    private func onConnection<Value: Sendable>(
        _ body: @escaping @Sendable (RedisConnection) throws(RedisError) -> Value
    ) async throws -> Value {
        do {
            return try await threadPool.runIfActive { [self] in
                let connection = try checkout()
                do {
                    let value = try body(connection)
                    checkin(connection)
                    return value
                } catch {
                    if !connection.isBroken { checkin(connection) }
                    throw error
                }
            }
        } catch is NIOThreadPoolError.ThreadPoolInactive {
            throw RedisError.connection("client is closed")
        }
    }

    /// Takes an idle connection that is still open, or opens a new one. Blocking.
    private func checkout() throws(RedisError) -> RedisConnection {
        while let connection = idle.withLock({ $0.popLast() }) {
            if !connection.peerHasClosed() { return connection }
            logger.notice("redis closed an idle connection; reconnecting", metadata: ["redis.host": "\(settings.host):\(settings.port)"])
        }
        return try RedisConnection(settings: settings)
    }

    private func checkin(_ connection: RedisConnection) {
        idle.withLock { connections in
            if connections.count < settings.poolSize { connections.append(connection) }
        }
    }
}
