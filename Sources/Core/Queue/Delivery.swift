/// One message a worker has fetched and holds under a lease: the exact bytes from the queue and the
/// delivery tag that keys it in kombu's `unacked` hash. The tag is fresh for every delivery, so the
/// `unacked` entry is this worker's lease: once it is gone (restored after the visibility timeout,
/// or settled), nothing this worker does can touch the message's next delivery.
public struct Delivery: Sendable, Equatable {
    public let raw: [UInt8]
    public let tag: String
    /// The queue it came from; restores and retries go back to it.
    public let queue: String
    /// The message's task id once the worker has parsed it; settling the delivery for good then
    /// also deletes the task's presence key (`QueueKeys.presence`).
    public var taskID: String?

    public init(raw: [UInt8], tag: String, queue: String, taskID: String? = nil) {
        self.raw = raw
        self.tag = tag
        self.queue = queue
        self.taskID = taskID
    }
}
