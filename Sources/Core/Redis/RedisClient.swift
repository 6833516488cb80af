import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

/// Redis with an async API, on NIO's event loops.
///
/// Calls share one connection per event loop (`RedisConnection`): a call made on an event loop,
/// as every request of the API is, writes to and reads from its own loop's connection without
/// changing threads. A connection that broke or that the server closed (Redis restarted) is
/// replaced by the next call, so callers see no error after a restart; the calls that were waiting
/// on it fail with a connection error. A blocking command (one sent with a `timeout`, such as
/// `BLMOVE`) would hold every reply behind its own on a shared connection, so it gets a connection
/// of its own for its duration, at most `REDIS_POOL_SIZE` of them at once.
public final class RedisClient: Service, Sendable {
    public let settings: RedisSettings
    private let logger: Logger
    private let group: any EventLoopGroup
    private let shared = Mutex<Shared>(Shared())
    private let blocking: AsyncSemaphore

    private struct Shared {
        /// By event loop: a connection, or the attempt to open one that callers wait for.
        var connections: [ObjectIdentifier: Slot] = [:]
        var closed = false
    }

    private enum Slot {
        case open(RedisConnection)
        case opening(Task<RedisConnection, any Error>)
    }

    public init(settings: RedisSettings, logger: Logger, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.settings = settings
        self.logger = logger
        self.group = group
        self.blocking = AsyncSemaphore(limit: settings.poolSize)
    }

    /// Sends one command; an error reply is thrown as `RedisError.server`.
    /// `timeout` extends the reply deadline for blocking commands such as `BLMOVE`.
    @discardableResult
    public func send(_ command: RedisCommand, timeout: Duration? = nil) async throws -> RedisReply {
        guard let timeout else { return try await connection().send(command) }
        guard !shared.withLock({ $0.closed }) else { throw RedisError.connection("client is closed") }
        return try await blocking.withPermit { () async throws -> RedisReply in
            let own = try await RedisConnection.connect(settings: settings, on: group.next())
            defer { own.close() }
            return try await own.send(command, timeout: timeout)
        }
    }

    @discardableResult
    public func send(_ name: String, _ arguments: any RedisArgument...) async throws -> RedisReply {
        try await send(RedisCommand(name, arguments))
    }

    /// Sends all commands in one round trip; replies come back in order, error replies in place.
    public func pipeline(_ commands: [RedisCommand]) async throws -> [RedisReply] {
        guard !commands.isEmpty else { return [] }
        return try await connection().pipeline(commands)
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
        let connection = try await connection()
        do throws(RedisError) {
            return try await connection.send(call)
        } catch .server(let message) where message.hasPrefix("NOSCRIPT") {
            _ = try await connection.send(RedisCommand("SCRIPT", "LOAD", script.source))
            return try await connection.send(call)
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

    /// Closes the shared connections; later calls fail with a connection error.
    public func close() async throws {
        let slots = shared.withLock { shared in
            shared.closed = true
            defer { shared.connections.removeAll() }
            return Array(shared.connections.values)
        }
        for slot in slots {
            switch slot {
            case .open(let connection): connection.close()
            case .opening(let task): (try? await task.value)?.close()
            }
        }
    }

    /// The shared connection of the event loop the caller runs on (or of the group's next loop),
    /// opened when there is none or the one there stopped.
    private func connection() async throws(RedisError) -> RedisConnection {
        let loop = MultiThreadedEventLoopGroup.currentEventLoop ?? group.next()
        let key = ObjectIdentifier(loop)
        let slot: Slot? = shared.withLock { shared in
            guard !shared.closed else { return nil }
            switch shared.connections[key] {
            case .open(let connection) where connection.isActive:
                return .open(connection)
            case .opening(let task):
                return .opening(task)
            case .open, nil:
                let task = Task { [settings] () async throws -> RedisConnection in
                    try await RedisConnection.connect(settings: settings, on: loop)
                }
                shared.connections[key] = .opening(task)
                return .opening(task)
            }
        }
        switch slot {
        case nil:
            throw .connection("client is closed")
        case .open(let connection):
            return connection
        case .opening(let task):
            do {
                let connection = try await task.value
                shared.withLock { shared in
                    if case .opening(let current) = shared.connections[key], current == task { shared.connections[key] = .open(connection) }
                }
                return connection
            } catch {
                shared.withLock { shared in
                    if case .opening(let current) = shared.connections[key], current == task { shared.connections[key] = nil }
                }
                if let error = error as? RedisError { throw error }
                throw .connection("\(error)")
            }
        }
    }
}
