import Foundation
import PostgresNIO

extension AuditScanner {
    /// Marks the audit RUNNING, unless it has finished or been canceled meanwhile (nil then).
    func claim(_ auditID: UUID) async throws -> Audit? {
        let rows = try await postgres.query(
            """
            UPDATE audits SET status = 'RUNNING', started_at = COALESCE(started_at, now()), heartbeat_at = now(),
                              pending_reason = NULL, not_before = NULL, error = NULL
            WHERE id = \(auditID) AND status IN ('PENDING', 'RUNNING')
            RETURNING \(unescaped: Audit.columns)
            """,
            logger: logger
        )
        let audit = try await Audit.decode(rows).first
        if audit != nil { try await notify(auditID) }
        return audit
    }

    /// Clears evidence of an earlier, interrupted run and sets the amount of work.
    func begin(_ audit: Audit, total: Int) async throws {
        try await postgres.transaction(logger: logger) { connection in
            try await connection.query("DELETE FROM evidence WHERE audit_id = \(audit.id)", logger: logger)
            try await connection.query(
                "UPDATE audits SET progress_total = \(total), progress_done = 0 WHERE id = \(audit.id) AND status = 'RUNNING'",
                logger: logger
            )
            try await connection.query("SELECT pg_notify(\(AuditEventHub.channel), \(audit.id.uuidString.lowercased()))", logger: logger)
        }
    }

    /// Stores one resource's evidence and advances the progress, in one transaction.
    func store(_ rows: [EvidenceRow], audit: Audit) async throws {
        try await postgres.transaction(logger: logger) { connection in
            for row in rows {
                try await connection.query(
                    """
                    INSERT INTO evidence (audit_id, check_id, resource, status, severity, soc2, iso27001, sentence, responses,
                                          collected_at, sha256)
                    VALUES (\(audit.id), \(row.definition.id), \(row.resource), \(row.verdict.status.rawValue),
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
            try await connection.query(
                "UPDATE audits SET progress_done = progress_done + \(rows.count) WHERE id = \(audit.id)",
                logger: logger
            )
            try await connection.query("SELECT pg_notify(\(AuditEventHub.channel), \(audit.id.uuidString.lowercased()))", logger: logger)
        }
    }

    /// Computes the result from the stored evidence: FAIL when a HIGH check failed, PASS otherwise;
    /// the score weighs decided checks by severity; the digest chains the evidence hashes.
    func finish(_ audit: Audit) async throws -> Audit.Status {
        try await postgres.transaction(logger: logger) { connection in
            let rows = try await connection.query(
                "SELECT check_id, resource, status, severity, sha256 FROM evidence WHERE audit_id = \(audit.id)",
                logger: logger
            )
            var summary = Audit.Summary()
            var hashes: [(check: String, resource: String, sha256: String)] = []
            var passedWeight = 0
            var decidedWeight = 0
            var highFailure = false
            for try await (check, resource, status, severity, sha256) in rows.decode((String, String, String, String, String).self) {
                hashes.append((check, resource, sha256))
                let weight = (Severity(rawValue: severity) ?? .low).weight
                switch CheckStatus(rawValue: status) {
                case .pass:
                    summary.passed += 1
                    passedWeight += weight
                    decidedWeight += weight
                case .fail:
                    summary.failed += 1
                    decidedWeight += weight
                    if severity == Severity.high.rawValue { highFailure = true }
                case .notApplicable: summary.notApplicable += 1
                default: summary.errors += 1
                }
            }
            let status: Audit.Status = highFailure ? .fail : .pass
            let score: Int? = decidedWeight == 0 ? nil : Int((Double(passedWeight) * 100 / Double(decidedWeight)).rounded())
            let updated = try await connection.query(
                """
                UPDATE audits SET status = \(status.rawValue), finished_at = now(), score = \(score),
                    passed = \(summary.passed), failed = \(summary.failed), errors = \(summary.errors),
                    not_applicable = \(summary.notApplicable), evidence_digest = \(EvidenceHash.digest(hashes))
                WHERE id = \(audit.id) AND status = 'RUNNING' RETURNING status
                """,
                logger: logger
            )
            var final = Audit.Status.canceled  // canceled while the last checks ran: it stays canceled
            for try await value in updated.decode(String.self) { final = Audit.Status(rawValue: value) ?? final }
            try await connection.query("SELECT pg_notify(\(AuditEventHub.channel), \(audit.id.uuidString.lowercased()))", logger: logger)
            return final
        }
    }

    /// Ends the audit in ERROR with a reason a user can act on.
    func fail(_ audit: Audit, _ reason: String) async throws -> Audit.Status {
        try await postgres.query(
            """
            UPDATE audits SET status = 'ERROR', error = \(reason), finished_at = now()
            WHERE id = \(audit.id) AND status IN ('PENDING', 'RUNNING')
            """,
            logger: logger
        )
        try await notify(audit.id)
        return .error
    }

    /// Back to PENDING until GitHub's rate limit resets; the scan will be published for then.
    /// `enqueued_at` is the time the delayed message falls due, so the reconciler only steps in if
    /// that message does not run.
    func postpone(_ audit: Audit, until retryAt: Date) async throws {
        let reason = "GitHub's rate limit for this credential is spent; the scan resumes at \(retryAt.formatted(.iso8601))."
        try await postgres.query(
            """
            UPDATE audits SET status = 'PENDING', pending_reason = \(reason), not_before = \(retryAt), enqueued_at = \(retryAt)
            WHERE id = \(audit.id) AND status = 'RUNNING'
            """,
            logger: logger
        )
        try await notify(audit.id)
    }

    func currentStatus(_ auditID: UUID) async throws -> Audit.Status? {
        let rows = try await postgres.query("SELECT status FROM audits WHERE id = \(auditID)", logger: logger)
        for try await status in rows.decode(String.self) { return Audit.Status(rawValue: status) }
        return nil
    }

    func notify(_ auditID: UUID) async throws {
        try await postgres.query("SELECT pg_notify(\(AuditEventHub.channel), \(auditID.uuidString.lowercased()))", logger: logger)
    }
}
