import Core

extension Handlers {
    /// `audits.scan`. The check engine arrives with the audits domain; until then a scan fails
    /// permanently so the message lands in the dead-letter list (and can be requeued then) instead
    /// of being acknowledged as done.
    static let scanAudit = RegisteredTask.payload(ScanAuditTask.self) { payload, _ in
        throw TaskFailure.permanent("audit \(payload.auditID): the scan engine is not part of this build yet")
    }
}
