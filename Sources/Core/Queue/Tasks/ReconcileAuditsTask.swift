/// `audits.reconcile`: publishes the scans of audits that are PENDING without a message in the
/// queue (ready, unacknowledged or delayed) after a grace period: the API could not reach Redis, or
/// a message was lost; and restarts RUNNING audits whose scan stopped heart-beating (its worker
/// died). Beat sends it every minute; scans are idempotent, so an occasional second message is
/// harmless.
public struct ReconcileAuditsTask: TaskPayload, Equatable {
    public static let declaration = TaskDeclaration.reconciler("audits.reconcile", queue: "scans")

    public init() {}

    /// The next run (a minute later) does the same work: nothing to record.
    public func recordFailure(_ failure: TaskFailure, using infrastructure: Infrastructure) async throws {}
}
