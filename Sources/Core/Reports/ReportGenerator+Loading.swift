import Foundation
import PostgresNIO

extension ReportGenerator {
    /// Reads what the report shows. Raw answers are cut in SQL (`left`), so however large a stored
    /// body is, only `limits.bodyCharacters` of it leave the database.
    func load(reportID: UUID, auditID: UUID, requestedAt: Date) async throws -> ReportContent {
        let audits = try await postgres.query(
            "SELECT \(unescaped: Audit.columns) FROM audits WHERE id = \(auditID)",
            logger: logger
        )
        guard let audit = try await Audit.decode(audits).first else {
            throw PermanentFailure(description: "the audit of report \(reportID) no longer exists")
        }
        guard audit.status == .pass || audit.status == .fail else {
            throw PermanentFailure(
                description: "the audit is \(audit.status.rawValue); reports are made of audits that finished PASS or FAIL"
            )
        }
        let names = try await postgres.query(
            """
            SELECT o.name, i.account FROM organizations o LEFT JOIN integrations i ON i.id = \(audit.integrationID)
            WHERE o.id = \(audit.organizationID)
            """,
            logger: logger
        )
        var organizationName = ""
        var account: String?
        for try await (name, login) in names.decode((String, String?).self) {
            organizationName = name
            account = login
        }

        let rows = try await postgres.query(
            """
            SELECT e.check_id, e.resource, e.status, e.severity, e.soc2, e.iso27001, left(e.sentence, \(limits.sentenceCharacters)::int),
                   e.collected_at, e.sha256,
                   CASE jsonb_typeof(e.responses) WHEN 'array' THEN jsonb_array_length(e.responses) ELSE 0 END,
                   COALESCE((SELECT jsonb_agg(jsonb_build_object(
                                 'method', COALESCE(r.value->>'method', 'GET'), 'url', left(r.value->>'url', 2000),
                                 'status', COALESCE((r.value->>'status')::int, 0),
                                 'body', left(COALESCE(r.value->>'body', ''), \(limits.bodyCharacters)::int),
                                 'length', length(COALESCE(r.value->>'body', ''))) ORDER BY r.ordinality)
                             FROM jsonb_array_elements(CASE jsonb_typeof(e.responses) WHEN 'array' THEN e.responses ELSE '[]' END)
                                  WITH ORDINALITY r
                             WHERE r.ordinality <= \(limits.responsesPerEvidence)::int), '[]')::text
            FROM evidence e WHERE e.audit_id = \(auditID)
            """,
            logger: logger
        )
        let decoder = JSONDecoder()
        var evidence: [ReportContent.Evidence] = []
        for try await row in rows.decode((String, String, String, String, [String], [String], String, Date, String, Int, String).self) {
            let responses = (try? decoder.decode([ReportContent.Response].self, from: Data(row.10.utf8))) ?? []
            evidence.append(
                ReportContent.Evidence(
                    checkID: row.0,
                    resource: row.1,
                    status: CheckStatus(rawValue: row.2) ?? .error,
                    severity: Severity(rawValue: row.3) ?? .low,
                    soc2: row.4,
                    iso27001: row.5,
                    sentence: row.6,
                    collectedAt: row.7,
                    sha256: row.8,
                    responses: responses,
                    responseCount: row.9
                )
            )
        }
        return ReportContent(
            reportID: reportID,
            requestedAt: requestedAt,
            organizationName: organizationName,
            audit: audit,
            githubAccount: account,
            evidence: ReportFacts.ordered(evidence),
            limits: limits
        )
    }
}
