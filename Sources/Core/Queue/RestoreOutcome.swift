/// What one pass of `QueueBroker.restoreExpired` did with expired deliveries.
public struct RestoreOutcome: Sendable, Equatable {
    /// A message that reached `QUEUE_MAX_DELIVERIES` deliveries without an acknowledgement and went
    /// to the dead-letter list (reason `poison`) instead of back to its queue. Its task's failure
    /// hook has yet to run: the caller has the task registry.
    public struct Poisoned: Sendable, Equatable {
        public let envelope: TaskEnvelope
        public let queue: String
        public let deliveries: Int
    }

    /// Messages put back at the front of their queues.
    public var restored: Int
    public var poisoned: [Poisoned]

    public init(restored: Int = 0, poisoned: [Poisoned] = []) {
        self.restored = restored
        self.poisoned = poisoned
    }
}
