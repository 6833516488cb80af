import Core

extension Handlers {
    /// `reports.generate`. Report rendering arrives with the reports domain; until then the message
    /// goes to the dead-letter list for a later requeue.
    static let generateReport = RegisteredTask.payload(GenerateReportTask.self) { payload, _ in
        throw TaskFailure.permanent("report \(payload.reportID): report generation is not part of this build yet")
    }
}
