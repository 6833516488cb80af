import Foundation
import PostgresNIO

/// The two reads behind the API's hottest endpoints, as prepared statements: each connection parses
/// and plans them once, where a plain query was parsed and planned again on every request (half
/// of PostgreSQL's time on `GET audits/`, BENCHMARKS.md). Connections ask for generic plans
/// (`PostgresClient.init(settings:)`), or PostgreSQL would keep planning each execution anew; the
/// page size is written into the SQL so that the generic plan knows it fetches twenty rows.
extension AuditTable {
    /// One audit, within an organization when one is given.
    struct FindStatement: PostgresPreparedStatement {
        static let sql = """
            SELECT \(Audit.columns) FROM audits
            WHERE id = $1 AND ($2::uuid IS NULL OR organization_id = $2)
            """

        let id: UUID
        let organizationID: UUID?

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 2)
            bindings.append(id)
            bindings.append(organizationID)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Audit {
            try Audit(row)
        }
    }

    /// A page of the organization's audits, newest first, each row with the total matching the
    /// filters. The total is an uncorrelated subquery that PostgreSQL runs once over the
    /// organization's index; a window count (`count(*) OVER ()`) made it read and sort every
    /// matching row to return twenty.
    struct ListStatement: PostgresPreparedStatement {
        static let sql = """
            SELECT \(Audit.columns),
                   (SELECT count(*) FROM audits WHERE \(matching)) AS total
            FROM audits WHERE \(matching)
            ORDER BY created_at DESC, id LIMIT \(PageRequest.size) OFFSET $5
            """
        /// The filters, each bound once: organization, status, repository, trigger.
        private static let matching = """
            organization_id = $1 AND ($2::text IS NULL OR status = $2)
            AND ($3::text IS NULL OR repository = $3) AND ($4::text IS NULL OR trigger = $4)
            """

        let organizationID: UUID
        let filters: AuditService.Filters
        let page: PageRequest

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 5)
            bindings.append(organizationID)
            bindings.append(filters.status?.rawValue)
            bindings.append(filters.repository)
            bindings.append(filters.trigger?.rawValue)
            bindings.append(page.offset)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> (Audit, Int) {
            // `total` follows the audit's columns.
            guard let total = row.dropFirst(Audit.columnCount).first else { throw PostgresDecodingError.Code.missingData }
            return (try Audit(row), try total.decode(Int.self))
        }
    }
}
