import Foundation
import PostgresNIO

/// The statements behind the API's hottest endpoints, as prepared statements: each connection parses
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

    /// `POST audits/start/` in one statement, committed on its own: it locks the organization's
    /// row of `active_audit_counts`, compares the count with the quota, picks the integration and
    /// writes the audit. Holding the lock costs one statement and its commit, where a transaction
    /// of five round trips held it before (BENCHMARKS.md, issue 15). Under READ COMMITTED the
    /// locking read returns the row as the start before us committed it, so the count is exact;
    /// the insert's trigger then adds one to the row this statement holds. The integration is read
    /// from the statement's snapshot, as a separate query would read it.
    struct StartStatement: PostgresPreparedStatement {
        static let sql = """
            WITH gate AS (
                SELECT active FROM active_audit_counts WHERE organization_id = $2 FOR UPDATE
            ), picked AS (
                \(IntegrationTable.pickQuery(requested: "$3", organizationID: "$2"))
            ), inserted AS (
                INSERT INTO audits (id, organization_id, integration_id, repository, checks, trigger, requested_by, scan_task_id, enqueued_at)
                SELECT $1::uuid, $2::uuid, picked.id, $4::text, $5::text[], $6::text, $7::uuid, $9::text,
                       CASE WHEN $9::text IS NULL THEN NULL ELSE now() END
                FROM gate, picked
                WHERE gate.active < $8::integer
                RETURNING \(Audit.columns)
            )
            SELECT inserted.*, gate.active, picked.id FROM (VALUES (1)) AS one
            LEFT JOIN gate ON true LEFT JOIN picked ON true LEFT JOIN inserted ON true
            """

        let new: NewAudit
        let requestedIntegration: UUID?
        let maxActive: Int

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 9)
            bindings.append(new.id)
            bindings.append(new.organizationID)
            bindings.append(requestedIntegration)
            bindings.append(new.repository)
            bindings.append(new.checks)
            bindings.append(new.trigger.rawValue)
            bindings.append(new.requestedBy)
            bindings.append(maxActive)
            bindings.append(new.scanTaskID)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> StartOutcome {
            // The gate's count and the picked integration follow the audit's columns, which are
            // all NULL when nothing was written.
            let trailing = Array(row.dropFirst(Audit.columnCount))
            guard trailing.count == 2 else { throw PostgresDecodingError.Code.missingData }
            let active = try trailing[0].decode(Int?.self)
            let integration = try trailing[1].decode(UUID?.self)
            guard let active else { return .uncounted }
            if active >= maxActive { return .busy(active: active) }
            guard integration != nil else { return .noIntegration }
            return .started(try Audit(row))
        }
    }

    /// What a start found under its organization's count.
    enum StartOutcome {
        case started(Audit)
        /// The organization has `active` audits waiting or running, the most it may have.
        case busy(active: Int)
        /// There is no such integration in the organization (or none at all).
        case noIntegration
        /// The organization has no row in `active_audit_counts` (one was deleted by hand).
        case uncounted
    }
}
