import Core

extension Handlers {
    /// `emails.send`: delivers one outbox row. A refusal the queue can outlast (a 4xx, the server
    /// away) is transient, so the retry policy applies; a refusal for good has already marked the
    /// row FAILED and ends the task.
    static func sendEmail(_ domain: WorkerDomain) -> RegisteredTask {
        RegisteredTask.payload(SendEmailTask.self) { payload, context in
            switch try await domain.mail.deliver(payload.emailID) {
            case .sent:
                return .object(["status": "SENT"])
            case .failed(let reason):
                context.logger.warning("e-mail refused for good", metadata: ["email": "\(payload.emailID)", "reason": "\(reason)"])
                return .object(["status": "FAILED"])
            case .retry(let reason):
                throw TaskFailure.transient(reason)
            case .settled:
                return .object(["status": "SETTLED"])
            case .busy:
                // The delivery holding the row settles it; if it dies, its own message comes back.
                return .object(["status": "BUSY"])
            }
        }
    }

    /// `emails.reconcile`: publishes the deliveries of e-mails whose message never made it.
    static func reconcileEmails(_ domain: WorkerDomain) -> RegisteredTask {
        RegisteredTask.payload(ReconcileEmailsTask.self) { _, _ in
            .int(try await domain.outbox.reconcile())
        }
    }
}
