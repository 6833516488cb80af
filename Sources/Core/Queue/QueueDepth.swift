/// The state of one queue, as `AuditWorker inspect` prints it.
public struct QueueDepth: Sendable, Equatable {
    public var queue: String
    /// Ready messages per priority step (0, 3, 6, 9).
    public var ready: [Int: Int]
    public var unacked: Int
    public var delayed: Int
    public var dead: Int

    public var readyTotal: Int { ready.values.reduce(0, +) }
}
