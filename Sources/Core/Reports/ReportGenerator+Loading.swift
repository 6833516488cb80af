import Foundation
import PostgresNIO

extension ReportGenerator {
    /// Reads what the report shows. Raw answers are cut in SQL (`left`), so however large a stored
    /// body is, only `limits.bodyCharacters` of it leave the database.
    func load(reportID: UUID, auditID: UUID, requestedAt: Date) async throws -> ReportContent {
        let audits = AuditTable(logger: logger)
        guard let audit = try await postgres.withConnection({ connection in try await audits.find(auditID, on: connection) }) else {
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

        let decoder = JSONDecoder()
        var evidence: [ReportContent.Evidence] = []
        let excerpt = Evidence.Answers.excerpt(
            answers: limits.responsesPerEvidence,
            bodyCharacters: limits.bodyCharacters,
            sentenceCharacters: limits.sentenceCharacters
        )
        try await postgres.withConnection { connection in
            try await EvidenceTable(logger: logger).forEach(of: auditID, answers: excerpt, on: connection) { row in
                evidence.append(
                    ReportContent.Evidence(
                        checkID: row.checkID,
                        resource: row.resource,
                        status: row.status,
                        severity: row.severity,
                        soc2: row.soc2,
                        iso27001: row.iso27001,
                        sentence: row.sentence,
                        collectedAt: row.collectedAt,
                        sha256: row.sha256,
                        responses: (try? decoder.decode([ReportContent.Response].self, from: Data(row.responses.utf8))) ?? [],
                        responseCount: row.responsesCount
                    )
                )
            }
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
