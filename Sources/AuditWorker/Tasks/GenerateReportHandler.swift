import Core

extension Handlers {
    /// `reports.generate`: renders and stores the report's PDF. A report or audit that is gone or
    /// unusable fails permanently (the hook marks the report ERROR at once); a rendering or database
    /// failure is transient, so the task's retry policy applies before the report is marked ERROR.
    static func generateReport(_ domain: WorkerDomain) -> RegisteredTask {
        RegisteredTask.payload(GenerateReportTask.self) { payload, context in
            do {
                switch try await domain.reportGenerator.generate(payload.reportID) {
                case .rendered(let pages, let size, let sha256):
                    return .object(["status": "READY", "pages": .int(pages), "size": .int(size), "sha256": .string(sha256)])
                case .alreadyReady:
                    context.logger.info("report already READY; nothing to render")
                    return .object(["status": "READY"])
                }
            } catch let failure as ReportGenerator.PermanentFailure {
                throw TaskFailure.permanent(failure.description)
            } catch let failure as ReportRenderError {
                throw TaskFailure.transient(failure.description)
            }
        }
    }

    /// `reports.reconcile`: publishes the renderings of reports whose message never made it.
    static func reconcileReports(_ domain: WorkerDomain) -> RegisteredTask {
        RegisteredTask.payload(ReconcileReportsTask.self) { _, _ in
            .int(try await domain.reports.reconcile())
        }
    }
}
