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

    /// A group of `POST audits/start/` in one statement, committed on its own (`GroupCommit`): it
    /// locks the rows of `active_audit_counts` of the group's organizations, in the order of their
    /// ids so that two API processes' groups cannot deadlock, lets in each organization's requests
    /// in arrival order while the count stays under the quota, picks each one's integration and
    /// writes the audits. One statement and one commit serve the group, where each start paid for
    /// its own (BENCHMARKS.md, issue 15). Under READ COMMITTED the locking read returns the rows as
    /// the group before us committed them, so the counts are exact; the insert's trigger then adds
    /// one per audit to the rows this statement holds. A request sees the count plus the requests
    /// of its organization ahead of it in the group that have an integration, so a group decides
    /// exactly as the same starts one after the other would. One row comes back per request, in
    /// the group's order.
    struct StartStatement: PostgresPreparedStatement {
        static let sql = """
            WITH requested AS (
                SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
                    WITH ORDINALITY AS r(id, organization_id, integration, repository, checks, trigger, requested_by, scan_task_id, position)
            ), gate AS (
                SELECT organization_id, active FROM active_audit_counts
                WHERE organization_id IN (SELECT organization_id FROM requested)
                ORDER BY organization_id FOR UPDATE
            ), picked AS (
                SELECT requested.*, gate.active, (
                    \(IntegrationTable.pickQuery(requested: "NULLIF(requested.integration, '')", organizationID: "requested.organization_id"))
                ) AS integration_id
                FROM requested LEFT JOIN gate USING (organization_id)
            ), decided AS (
                SELECT picked.*, active + count(*) FILTER (WHERE integration_id IS NOT NULL) OVER (
                    PARTITION BY organization_id ORDER BY position ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
                ) AS seen
                FROM picked
            ), inserted AS (
                INSERT INTO audits (id, organization_id, integration_id, repository, checks, trigger, requested_by, scan_task_id, enqueued_at)
                SELECT id, organization_id, integration_id, NULLIF(repository, ''),
                       ARRAY(SELECT jsonb_array_elements_text(checks::jsonb)), trigger, NULLIF(requested_by, '')::uuid,
                       NULLIF(scan_task_id, ''), CASE WHEN scan_task_id = '' THEN NULL ELSE now() END
                FROM decided
                WHERE integration_id IS NOT NULL AND seen < $9::integer
                ORDER BY position
                RETURNING \(Audit.columns)
            )
            SELECT inserted.*, decided.seen, decided.active, decided.integration_id
            FROM decided LEFT JOIN inserted ON inserted.id = decided.id
            ORDER BY decided.position
            """

        let group: [StartRequest]
        let maxActive: Int

        func makeBindings() throws -> PostgresBindings {
            // Arrays cannot hold NULL through PostgresNIO's encoders, so optional values travel as
            // text with '' for none; `checks` (an array per request) travels as a JSON array.
            var bindings = PostgresBindings(capacity: 9)
            bindings.append(group.map(\.new.id))
            bindings.append(group.map(\.new.organizationID))
            bindings.append(group.map { $0.integration?.uuidString ?? "" })
            bindings.append(group.map { $0.new.repository ?? "" })
            bindings.append(try group.map { String(decoding: try JSONEncoder().encode($0.new.checks), as: UTF8.self) })
            bindings.append(group.map(\.new.trigger.rawValue))
            bindings.append(group.map { $0.new.requestedBy?.uuidString ?? "" })
            bindings.append(group.map { $0.new.scanTaskID ?? "" })
            bindings.append(maxActive)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> StartOutcome {
            // The count the request saw, the organization's count before the group and the
            // integration follow the audit's columns, which are all NULL when nothing was written.
            let trailing = Array(row.dropFirst(Audit.columnCount))
            guard trailing.count == 3 else { throw PostgresDecodingError.Code.missingData }
            let seen = try trailing[0].decode(Int?.self)
            let active = try trailing[1].decode(Int?.self)
            let integration = try trailing[2].decode(UUID?.self)
            guard let seen, let active else { return .uncounted }
            // `seen` also counts the refused requests ahead of this one; what is really waiting or
            // running is the count before the group, filled up to the quota by the group.
            if seen >= maxActive { return .busy(active: min(seen, max(active, maxActive))) }
            guard integration != nil else { return .noIntegration }
            return .started(try Audit(row))
        }
    }

    /// One start of a group: the audit to write and the integration the client asked for, if any.
    struct StartRequest: Sendable {
        let new: NewAudit
        let integration: UUID?
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
