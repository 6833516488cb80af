/// `emails.reconcile`: publishes the deliveries of PENDING e-mails whose message never reached
/// Redis or was lost. Beat sends it every minute.
public struct ReconcileEmailsTask: TaskPayload, Equatable {
    public static let declaration = TaskDeclaration.reconciler("emails.reconcile", queue: "emails")

    public init() {}

    /// The next run (a minute later) does the same work: nothing to record.
    public func recordFailure(_ failure: TaskFailure, using infrastructure: Infrastructure) async throws {}
}
