import Foundation
import PostgresNIO

extension ReportGenerator {
    /// Reads what the report shows, through the tables' owners: the audit, the names on its cover,
    /// and its evidence. Raw answers are cut in SQL (`left`), so however large a stored body is,
    /// only `limits.bodyCharacters` of it leave the database.
    func load(reportID: UUID, auditID: UUID, requestedAt: Date) async throws -> ReportContent {
        try await postgres.withConnection { connection in
            let audit = try await finishedAudit(auditID, reportID: reportID, on: connection)
            let organization = try await Organization.find(id: audit.organizationID, on: connection, logger: logger)
            var account: String?
            if let integrationID = audit.integrationID {
                account = try await IntegrationTable(logger: logger).account(of: integrationID, on: connection)
            }
            return ReportContent(
                reportID: reportID,
                requestedAt: requestedAt,
                organizationName: organization?.name ?? "",
                audit: audit,
                githubAccount: account,
                evidence: ReportFacts.ordered(try await evidence(of: auditID, on: connection)),
                limits: limits
            )
        }
    }

    /// The audit, which must have finished PASS or FAIL: a report of anything else is refused for good.
    private func finishedAudit(_ auditID: UUID, reportID: UUID, on connection: PostgresConnection) async throws -> Audit {
        guard let audit = try await AuditTable(logger: logger).find(auditID, on: connection) else {
            throw PermanentFailure(description: "the audit of report \(reportID) no longer exists")
        }
        guard audit.status == .pass || audit.status == .fail else {
            throw PermanentFailure(
                description: "the audit is \(audit.status.rawValue); reports are made of audits that finished PASS or FAIL"
            )
        }
        return audit
    }

    /// Every evidence row with its answers excerpted to what the appendix prints.
    private func evidence(of auditID: UUID, on connection: PostgresConnection) async throws -> [ReportContent.Evidence] {
        let decoder = JSONDecoder()
        let excerpt = Evidence.Answers.excerpt(
            answers: limits.responsesPerEvidence,
            bodyCharacters: limits.bodyCharacters,
            sentenceCharacters: limits.sentenceCharacters
        )
        var evidence: [ReportContent.Evidence] = []
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
        return evidence
    }
}
