import Logging
import PostgresNIO
import ServiceLifecycle

/// Keeps one connection `LISTEN`ing on `principal_changes` (migration 0011) and empties this
/// process's `PrincipalCache` at each notification: the path for changes to users, logins,
/// memberships and subscriptions made outside the application. The cache is open only while the
/// connection listens; a dropped connection closes it (every request reads PostgreSQL) until the
/// listener is back, with backoff.
public struct PrincipalChangeListener: Service {
    public static let channel = "principal_changes"

    let cache: PrincipalCache
    let database: DatabaseSettings
    let logger: Logger

    public init(identity: IdentityService, database: DatabaseSettings, logger: Logger) {
        self.cache = identity.principals
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
                        try await connection.listen(on: Self.channel) { notifications in
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
                    "principal change listener lost its connection; authenticating from PostgreSQL until it is back",
                    metadata: ["error": "\(PostgresFailure.reason(error))"]
                )
            }
            if ContinuousClock.now - connectedAt > .seconds(30) { delay = .milliseconds(250) }
            try? await Task.sleep(for: delay)
            delay = min(delay * 2, .seconds(5))
        }
    }
}
