/// How the queue engine uses Redis.
public struct QueueSettings: Equatable, Sendable {
    /// How long a fetched message may go without a lease renewal before any worker redelivers it.
    /// Live workers renew their leases several times per timeout, so this only bounds how quickly the
    /// messages of a dead worker come back, never how long a task may run.
    public var visibilityTimeout: Duration
    /// Prepended to every queue key, as kombu's `global_keyprefix` transport option does, so several
    /// environments (or tests) can share one Redis database.
    public var keyPrefix: String
    /// How many times a message may be delivered without being acknowledged (its worker died each
    /// time) before it counts as poison and goes to the dead-letter list instead of running again.
    public var maxDeliveries: Int

    public init(visibilityTimeout: Duration = .seconds(60), keyPrefix: String = "", maxDeliveries: Int = 5) {
        self.visibilityTimeout = visibilityTimeout
        self.keyPrefix = keyPrefix
        self.maxDeliveries = maxDeliveries
    }
}
