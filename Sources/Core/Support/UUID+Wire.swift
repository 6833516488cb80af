import Foundation

extension UUID {
    /// The UUID as every edge writes it: lowercase, as Python's `str(uuid)`, Django's JSON and
    /// PostgreSQL's text form do (Foundation's `uuidString` is uppercase). API bodies, task
    /// arguments, audit-log targets and notifications all use this one form.
    public var apiString: String { uuidString.lowercased() }
}
