import Foundation

/// `auditmate.ping`: a no-op, like Celery's `celery.ping`, that answers `"pong"`. Health checks use it to
/// prove the whole path (producer, Redis, a worker) works; the benchmark drains thousands of them.
/// `enqueued_at` (epoch seconds), when present, lets the worker measure enqueue-to-start latency.
public struct PingTask: TaskPayload, Equatable {
    public static let declaration = TaskDeclaration(
        name: "auditmate.ping",
        queue: "health",
        argumentNames: ["enqueued_at"],
        retry: .never,
        ignoresResult: true
    )

    public var enqueuedAt: Double?

    public init(enqueuedAt: Date? = nil) {
        self.enqueuedAt = enqueuedAt?.timeIntervalSince1970
    }

    enum CodingKeys: String, CodingKey {
        case enqueuedAt = "enqueued_at"
    }

    public func recordFailure(_ failure: TaskFailure, using infrastructure: Infrastructure) async throws {}
}
