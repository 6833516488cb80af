/// One message a worker has fetched and holds under a lease: the exact bytes from the queue, kombu's
/// delivery tag (the key in `unacked`) and the lease token that proves this worker still owns it.
public struct Delivery: Sendable, Equatable {
    public let raw: [UInt8]
    public let tag: String
    public let token: String
    /// The queue it came from; restores and retries go back to it.
    public let queue: String

    public init(raw: [UInt8], tag: String, token: String, queue: String) {
        self.raw = raw
        self.tag = tag
        self.token = token
        self.queue = queue
    }
}
