import Foundation
import Logging
import PostgresNIO

/// Every statement on `evidence`: the scanner writes rows, the audit service lists and verifies
/// them, reports read excerpts. All reads go through `Evidence.columns` and `Evidence.init(_:)`.
struct EvidenceTable: Sendable {
    let logger: Logger

    /// One check's verdict on one resource, as the scanner stores it.
    struct NewRow: Sendable {
        let definition: CheckDefinition
        let resource: String
        let verdict: CheckVerdict
        let responsesJSON: String
        let collectedAt: Date
        let sha256: String
    }

    /// Drops an earlier, interrupted run's rows of the audit.
    func deleteAll(of auditID: UUID, on connection: PostgresConnection) async throws {
        try await connection.query("DELETE FROM evidence WHERE audit_id = \(auditID)", logger: logger)
    }

    /// Stores rows, replacing any of the same check and resource (a redelivered scan).
    func upsert(_ rows: [NewRow], auditID: UUID, on connection: PostgresConnection) async throws {
        for row in rows {
            try await connection.query(
                """
                INSERT INTO evidence (audit_id, check_id, resource, status, severity, soc2, iso27001, sentence, responses,
                                      collected_at, sha256)
                VALUES (\(auditID), \(row.definition.id), \(row.resource), \(row.verdict.status.rawValue),
                        \(row.definition.severity.rawValue), \(row.definition.controls.soc2), \(row.definition.controls.iso27001),
                        \(row.verdict.sentence), \(row.responsesJSON)::jsonb, \(row.collectedAt), \(row.sha256))
                ON CONFLICT (audit_id, check_id, resource) DO UPDATE SET
                    status = EXCLUDED.status, severity = EXCLUDED.severity, soc2 = EXCLUDED.soc2, iso27001 = EXCLUDED.iso27001,
                    sentence = EXCLUDED.sentence, responses = EXCLUDED.responses, collected_at = EXCLUDED.collected_at,
                    sha256 = EXCLUDED.sha256
                """,
                logger: logger
            )
        }
    }

    /// A page in (check, resource) order, and the total matching the filters.
    func page(
        of auditID: UUID,
        filters: AuditService.EvidenceFilters,
        page: PageRequest,
        answers: Evidence.Answers,
        on connection: PostgresConnection
    ) async throws -> Page<Evidence> {
        let status = filters.status?.rawValue
        let severity = filters.severity?.rawValue
        let rows = try await connection.query(
            """
            SELECT \(unescaped: Evidence.columns(answers)), count(*) OVER () AS total
            FROM evidence
            WHERE audit_id = \(auditID) AND (\(status)::text IS NULL OR status = \(status))
              AND (\(filters.check)::text IS NULL OR check_id = \(filters.check))
              AND (\(severity)::text IS NULL OR severity = \(severity))
            ORDER BY check_id, resource LIMIT \(page.limit) OFFSET \(page.offset)
            """,
            logger: logger
        )
        var items: [Evidence] = []
        var total = 0
        for try await row in rows {
            let columns = row.makeRandomAccess()
            items.append(try Evidence(columns))
            total = try columns["total"].decode(Int.self)
        }
        if items.isEmpty {
            // Past the end there is no row to carry the total.
            let counted = try await connection.query(
                """
                SELECT count(*) FROM evidence WHERE audit_id = \(auditID) AND (\(status)::text IS NULL OR status = \(status))
                  AND (\(filters.check)::text IS NULL OR check_id = \(filters.check))
                  AND (\(severity)::text IS NULL OR severity = \(severity))
                """,
                logger: logger
            )
            for try await count in counted.decode(Int.self) { total = count }
        }
        return Page(items: items, count: total, request: page)
    }

    func row(_ id: Int, of auditID: UUID, on connection: PostgresConnection) async throws -> Evidence? {
        let rows = try await connection.query(
            "SELECT \(unescaped: Evidence.columns(.whole)) FROM evidence WHERE audit_id = \(auditID) AND id = \(id)",
            logger: logger
        )
        for try await row in rows { return try Evidence(row.makeRandomAccess()) }
        return nil
    }

    /// Every row of the audit, handed to `body` as it arrives: one row in memory at a time,
    /// however large the audit.
    func forEach(
        of auditID: UUID,
        answers: Evidence.Answers,
        on connection: PostgresConnection,
        _ body: (Evidence) throws -> Void
    ) async throws {
        let rows = try await connection.query(
            "SELECT \(unescaped: Evidence.columns(answers)) FROM evidence WHERE audit_id = \(auditID)",
            logger: logger
        )
        for try await row in rows { try body(try Evidence(row.makeRandomAccess())) }
    }
}
