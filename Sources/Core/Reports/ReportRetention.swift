import Foundation
import Logging
import PostgresNIO

/// How long PDF reports are kept (`REPORT_RETENTION_DAYS`): beat's maintenance job deletes older ones.
public enum ReportRetention {
    /// Deletes the reports created before `now - retention`, on `connection`. Returns how many.
    public static func purge(on connection: PostgresConnection, now: Date, retention: Duration, logger: Logger) async throws -> Int {
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
