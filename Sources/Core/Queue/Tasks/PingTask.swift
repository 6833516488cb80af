/// `auditmate.ping`: a no-op, like Celery's `celery.ping`, that answers `"pong"`. Health checks use it to
/// prove the whole path (producer, Redis, a worker) works; the benchmark drains thousands of them.
public struct PingTask: TaskPayload, Equatable {
    public static let declaration = TaskDeclaration(
        name: "auditmate.ping",
        queue: "health",
        argumentNames: [],
        retry: .never,
        ignoresResult: true
    )

    public init() {}

    public func recordFailure(_ failure: TaskFailure, using infrastructure: Infrastructure) async throws {}
}
