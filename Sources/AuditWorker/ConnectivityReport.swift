import Core
import Logging

/// What `AuditWorker check` prints: one line per thing checked, each `ok` or the reason it is not.
struct ConnectivityReport {
    var lines: [String]
    var isHealthy: Bool

    static func make(config: AppConfig) async -> ConnectivityReport {
        var logger = Logger(label: "auditmate.check")
        logger.logLevel = .critical  // the report says it all; client retries would only add noise
        var lines = ["configuration: ok (\(config.environment.rawValue))"]
        let database = "\(config.database.host):\(config.database.port)/\(config.database.database)"
        let redis = "\(config.redis.host):\(config.redis.port)/\(config.redis.database)"
        do {
            return try await Infrastructure.withRunning(config: config, applicationName: "auditmate-check", logger: logger) {
                infrastructure in
                let status = await infrastructure.probe(timeout: .seconds(5), explain: true)
                lines.append("postgres: " + (status.postgres.map { "FAILED \($0)" } ?? "ok") + " (\(database))")
                lines.append("redis: " + (status.redis.map { "FAILED \($0)" } ?? "ok") + " (\(redis))")
                var healthy = status.isReady
                if status.postgres == nil {
                    do {
                        let pending = try await infrastructure.pendingMigrations()
                        lines.append(
                            pending.isEmpty
                                ? "migrations: up to date" : "migrations: \(pending.count) pending (\(pending.joined(separator: ", ")))"
                        )
                        // Development applies them at start-up; production refuses to start.
                        if config.isProduction && !pending.isEmpty { healthy = false }
                    } catch {
                        lines.append("migrations: FAILED \(PostgresFailure.reason(error))")
                        healthy = false
                    }
                }
                return ConnectivityReport(lines: lines, isHealthy: healthy)
            }
        } catch {
            lines.append("FAILED \(PostgresFailure.reason(error))")
            return ConnectivityReport(lines: lines, isHealthy: false)
        }
    }
}
