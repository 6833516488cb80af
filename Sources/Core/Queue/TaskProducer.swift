import Foundation

/// Enqueues tasks: the API's (and beat's) side of the queue. Builds the Celery envelope from the
/// task's declaration and publishes it with one `LPUSH`.
public struct TaskProducer: Sendable {
    public let broker: QueueBroker

    public init(broker: QueueBroker) {
        self.broker = broker
    }

    /// The message `enqueue` would publish, for callers that batch or inspect it.
    public func envelope<Payload: TaskPayload>(_ payload: Payload, options: TaskEnvelope.Options = .init()) throws -> TaskEnvelope {
        let declaration = Payload.declaration
        return TaskEnvelope.make(
            task: declaration.name,
            body: try payload.body(),
            queue: options.queue ?? declaration.queue,
            options: options,
            ignoreResult: declaration.ignoresResult,
            timeLimit: options.timeLimit ?? declaration.timeLimits
        )
    }

    /// Enqueues several tasks in one round trip (`QueueBroker.publish(_:)`, one atomic script).
    public func enqueue<Payload: TaskPayload>(_ tasks: [(Payload, TaskEnvelope.Options)]) async throws {
        try await broker.publish(tasks.map { payload, options in try envelope(payload, options: options) })
    }

    /// Enqueues `payload` on its declared queue (or `options.queue`); returns the task id.
    @discardableResult
    public func enqueue<Payload: TaskPayload>(_ payload: Payload, options: TaskEnvelope.Options = .init()) async throws -> String {
        let envelope = try envelope(payload, options: options)
        try await broker.publish(envelope)
        return envelope.id
    }
}
