import Logging
import PostgresNIO

/// A value read from a table's rows by column name; the table's owner selects the columns it needs.
/// Columns are read by name, not by position, so adding one never shifts the others.
protocol TableRow {
    init(_ columns: PostgresRandomAccessRow) throws
}

extension TableRow {
    static func decode(_ rows: PostgresRowSequence) async throws -> [Self] {
        var values: [Self] = []
        for try await row in rows { values.append(try Self(row.makeRandomAccess())) }
        return values
    }
}

extension PostgresConnection {
    /// The number a `SELECT count(*) ...` answers.
    func count(_ query: PostgresQuery, logger: Logger) async throws -> Int {
        var total = 0
        for try await count in try await self.query(query, logger: logger).decode(Int.self) { total = count }
        return total
    }
}
