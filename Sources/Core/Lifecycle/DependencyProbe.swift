import Logging
import PostgresNIO

/// The answer of one readiness check: `nil` for a dependency that answered, else why it did not.
public struct DependencyStatus: Equatable, Sendable {
    public var postgres: String?
    public var redis: String?

    public var isReady: Bool { postgres == nil && redis == nil }

    /// Names of the dependencies that failed, for messages such as "redis unavailable".
    public var failed: [String] {
        [postgres.map { _ in "postgres" }, redis.map { _ in "redis" }].compactMap { $0 }
    }
}

extension Infrastructure {
    /// Asks PostgreSQL (`SELECT 1`) and Redis (`PING`) through the pools that serve requests, at
    /// once, each bounded by `timeout`. A probe runs every few seconds on every replica, so it opens
    /// no connection of its own. `explain` (the operator's `check` command) adds, when the pool
    /// fails, a direct connection that says why (refused, bad password, ...): the pool only waits.
    public func probe(timeout: Duration = .seconds(2), explain: Bool = false) async -> DependencyStatus {
        async let postgresFailure = postgresFailure(within: timeout, explain: explain)
        async let redisFailure = Self.failure(within: timeout) { [redis] in
            try await redis.ping()
        }
        return await DependencyStatus(postgres: postgresFailure, redis: redisFailure)
    }

    private func postgresFailure(within timeout: Duration, explain: Bool) async -> String? {
        let pooled = await Self.failure(within: timeout) { [postgres, logger] in
            _ = try await postgres.query("SELECT 1", logger: logger)
        }
        guard let pooled, explain else { return pooled }
        let direct = await Self.failure(within: timeout) { [database, logger] in
            try await PostgresConnection.withConnection(to: database, logger: logger) { connection in
                _ = try await connection.query("SELECT 1", logger: logger)
            }
        }
        return direct ?? pooled
    }

    private static func failure(
        within timeout: Duration,
        _ check: @escaping @Sendable () async throws -> Void
    ) async -> String? {
        do {
            try await withDeadline(timeout, check)
            return nil
        } catch {
            return PostgresFailure.reason(error)
        }
    }
}
