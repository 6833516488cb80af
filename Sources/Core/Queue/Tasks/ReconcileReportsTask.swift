/// `reports.reconcile`: publishes the renderings of reports that are PENDING without a live message
/// (the API could not reach Redis, or a message was lost), and of RUNNING reports whose rendering
/// stopped heart-beating (its worker died). Beat sends it every minute; rendering is idempotent, so
/// an occasional second message is harmless.
public struct ReconcileReportsTask: TaskPayload, Equatable {
    public static let declaration = TaskDeclaration.reconciler("reports.reconcile", queue: "reports")

    public init() {}

    /// The next run (a minute later) does the same work: nothing to record.
    public func recordFailure(_ failure: TaskFailure, using infrastructure: Infrastructure) async throws {}
}
