import Foundation
import Logging
import PostgresNIO

/// How long PDF reports are kept (`REPORT_RETENTION_DAYS`): beat's maintenance job deletes older ones.
public enum ReportRetention {
    /// Deletes the reports created before `now - retention`, on `connection`. Returns how many. A
    /// database without the reports table yet (its migration comes with the reports feature) has
    /// nothing to delete.
    public static func purge(on connection: PostgresConnection, now: Date, retention: Duration, logger: Logger) async throws -> Int {
        var exists = false
        for try await present in try await connection.query("SELECT to_regclass('reports') IS NOT NULL", logger: logger).decode(Bool.self) {
            exists = present
        }
        guard exists else { return 0 }
        let cutoff = now.addingTimeInterval(-retention.seconds)
        let rows = try await connection.query(
            "WITH gone AS (DELETE FROM reports WHERE created_at < \(cutoff) RETURNING 1) SELECT count(*) FROM gone",
            logger: logger
        )
        var deleted = 0
        for try await count in rows.decode(Int.self) { deleted += count }
        return deleted
    }
}
