import Foundation
import PostgresNIO

/// The scan's writes, through the tables' owners (`AuditTable`, `EvidenceTable`). Each write to
/// `audits` is announced once committed (`AuditChanges`), for the API's response caches.
extension AuditScanner {
    var audits: AuditTable { AuditTable(logger: logger) }
    var evidence: EvidenceTable { EvidenceTable(logger: logger) }

    /// Marks the audit RUNNING, unless it has finished or been canceled meanwhile (nil then).
    func claim(_ auditID: UUID) async throws -> Audit? {
        let claimed = try await postgres.withConnection { connection in try await audits.claim(auditID, on: connection) }
        if claimed != nil { await changes?.changed() }
        return claimed
    }

    /// Clears evidence of an earlier, interrupted run and sets the amount of work.
    func begin(_ audit: Audit, total: Int) async throws {
        try await postgres.transaction(logger: logger) { connection in
            try await evidence.deleteAll(of: audit.id, on: connection)
            try await audits.begin(audit.id, total: total, on: connection)
        }
        await changes?.changed()
    }

    /// Stores one resource's evidence and advances the progress, in one transaction.
    func store(_ rows: [EvidenceTable.NewRow], audit: Audit) async throws {
        try await postgres.transaction(logger: logger) { connection in
            try await evidence.upsert(rows, auditID: audit.id, on: connection)
            try await audits.advance(audit.id, by: rows.count, on: connection)
        }
        await changes?.changed()
    }

    /// Computes the result from the stored evidence: FAIL when a HIGH check failed, PASS otherwise;
    /// the score weighs decided checks by severity; the digest chains the evidence hashes.
    func finish(_ audit: Audit) async throws -> Audit.Status {
        let status = try await postgres.transaction(logger: logger) { connection in
            var summary = Audit.Summary()
            var hashes: [(check: String, resource: String, sha256: String)] = []
            var passedWeight = 0
            var decidedWeight = 0
            var highFailure = false
            try await evidence.forEach(of: audit.id, answers: .none, on: connection) { row in
                hashes.append((row.checkID, row.resource, row.sha256))
                let weight = row.severity.weight
                switch CheckStatus(rawValue: row.storedStatus) {
                case .pass:
                    summary.passed += 1
                    passedWeight += weight
                    decidedWeight += weight
                case .fail:
                    summary.failed += 1
                    decidedWeight += weight
                    if row.severity == .high { highFailure = true }
                case .notApplicable: summary.notApplicable += 1
                default: summary.errors += 1
                }
            }
            let score: Int? = decidedWeight == 0 ? nil : Int((Double(passedWeight) * 100 / Double(decidedWeight)).rounded())
            let result = AuditTable.Result(
                status: highFailure ? .fail : .pass,
                score: score,
                summary: summary,
                digest: EvidenceHash.digest(hashes)
            )
            // Canceled while the last checks ran: it stays canceled.
            return try await audits.finish(audit.id, with: result, on: connection)
        }
        await changes?.changed()
        return status
    }

    /// Ends the audit in ERROR with a reason a user can act on.
    func fail(_ audit: Audit, _ reason: String) async throws -> Audit.Status {
        try await postgres.withConnection { connection in try await audits.fail(audit.id, reason: reason, on: connection) }
        await changes?.changed()
        return .error
    }

    /// Back to PENDING until GitHub's rate limit resets; the scan will be published for then.
    func postpone(_ audit: Audit, until retryAt: Date) async throws {
        let reason = "GitHub's rate limit for this credential is spent; the scan resumes at \(retryAt.formatted(.iso8601))."
        try await postgres.withConnection { connection in
            try await audits.postpone(audit.id, until: retryAt, reason: reason, on: connection)
        }
        await changes?.changed()
    }

    func currentStatus(_ auditID: UUID) async throws -> Audit.Status? {
        try await postgres.withConnection { connection in try await audits.status(of: auditID, on: connection) }
    }
}
