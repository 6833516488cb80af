import Core

extension Handlers {
    /// `audits.scan`: runs the scan. GitHub's rate limit running out publishes the scan again for the
    /// reset time instead of holding this slot; a scan that could not reach GitHub or the database
    /// fails transiently so the retry policy applies.
    static func scanAudit(_ domain: WorkerDomain) -> RegisteredTask {
        RegisteredTask.payload(ScanAuditTask.self) { payload, context in
            do {
                switch try await domain.scanner.scan(payload.auditID) {
                case .finished(let status):
                    return .string(status.rawValue)
                case .alreadyFinished(let status):
                    context.logger.info("audit already finished; nothing to scan", metadata: ["status": "\(status.rawValue)"])
                    return .string(status.rawValue)
                case .rescheduled(let retryAt):
                    try await domain.audits.publishPostponed(payload.auditID, notBefore: retryAt)
                    context.logger.notice("audit rescheduled for GitHub's rate-limit reset", metadata: ["retry_at": "\(retryAt)"])
                    return .string("PENDING")
                }
            } catch let failure as AuditScanner.TransientFailure {
                throw TaskFailure.transient(failure.description)
            }
        }
    }

    /// `audits.reconcile`: publishes the scans of audits whose message never made it.
    static func reconcileAudits(_ domain: WorkerDomain) -> RegisteredTask {
        RegisteredTask.payload(ReconcileAuditsTask.self) { _, _ in
            .int(try await domain.audits.reconcile())
        }
    }
}
