import Logging
import PostgresNIO
import ServiceLifecycle

/// A per-process cache that a `ChangeListener` empties: open while the listener is connected,
/// cleared at each notification, closed (nothing remembered, every answer from PostgreSQL) while
/// notifications might go unheard.
public protocol ListenedCache: Sendable {
    func open()
    func close()
    func clear()
}

/// Keeps one connection `LISTEN`ing on `channel` and empties `cache` at each notification: the path
/// by which changes made outside the application (an operator's SQL) reach per-process caches.
/// Triggers send the notifications (migrations 0011 and 0013). A dropped connection closes the
/// cache until the listener is back, with backoff.
public struct ChangeListener: Service {
    /// Users, logins, memberships, subscriptions: `PrincipalCache`.
    public static let principals = "principal_changes"
    /// Audits: the API's response cache.
    public static let audits = "audit_changes"

    let channel: String
    let cache: any ListenedCache
    let database: DatabaseSettings
    let logger: Logger

    public init(channel: String, cache: any ListenedCache, database: DatabaseSettings, logger: Logger) {
        self.channel = channel
        self.cache = cache
        self.database = database
        self.logger = logger
    }

    public func run() async throws {
        var delay = Duration.milliseconds(250)
        defer { cache.close() }
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let connectedAt = ContinuousClock.now
            do {
                try await cancelWhenGracefulShutdown {
                    try await PostgresConnection.withConnection(to: database, logger: logger) { connection in
                        try await connection.listen(on: channel) { notifications in
                            cache.open()
                            defer { cache.close() }
                            for try await _ in notifications { cache.clear() }
                        }
                    }
                }
            } catch {
                cache.close()
                if Task.isCancelled || Task.isShuttingDownGracefully { break }
                logger.warning(
                    "change listener lost its connection; answering from PostgreSQL until it is back",
                    metadata: ["channel": "\(channel)", "error": "\(PostgresFailure.reason(error))"]
                )
            }
            if ContinuousClock.now - connectedAt > .seconds(30) { delay = .milliseconds(250) }
            try? await Task.sleep(for: delay)
            delay = min(delay * 2, .seconds(5))
        }
    }
}
