import PostgresNIO

/// Readable reasons for PostgreSQL errors. `PSQLError`'s own description is deliberately generic
/// (it may hold data), so operators would otherwise see nothing useful in logs and CLI output.
public enum PostgresFailure {
    public static func reason(_ error: any Error) -> String {
        if let transaction = error as? PostgresTransactionError {
            if let inner = transaction.closureError ?? transaction.beginError ?? transaction.commitError {
                return reason(inner)
            }
        }
        guard let error = error as? PSQLError else { return String(describing: error) }
        if let message = error.serverInfo?[.message] {
            let code = error.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? ""
            return message + code
        }
        if let underlying = error.underlying {
            return String(describing: underlying)
        }
        return "\(error.code)"
    }

    /// The SQLSTATE of a server error, e.g. `23505` for a unique violation.
    public static func sqlState(_ error: any Error) -> String? {
        if let transaction = error as? PostgresTransactionError, let inner = transaction.closureError {
            return sqlState(inner)
        }
        return (error as? PSQLError)?.serverInfo?[.sqlState]
    }
}
