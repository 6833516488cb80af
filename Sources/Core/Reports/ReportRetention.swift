import Foundation
import Logging
import PostgresNIO

/// How long PDF reports are kept (`REPORT_RETENTION_DAYS`): beat's maintenance job deletes older ones.
public enum ReportRetention {
    /// Deletes the reports created before `now - retention`, on `connection`. Returns how many.
    public static func purge(on connection: PostgresConnection, now: Date, retention: Duration, logger: Logger) async throws -> Int {
        let cutoff = now.addingTimeInterval(-retention.seconds)
        return try await ReportTable(logger: logger).deleteCreated(before: cutoff, on: connection)
    }
}
