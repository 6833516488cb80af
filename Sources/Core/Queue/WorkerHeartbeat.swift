import Foundation

/// What a worker process publishes about itself every few seconds under
/// `auditmate.worker.<hostname:pid>`, with an expiry, so `inspect` and operators see who is alive and
/// what it is doing. A worker that stops beating disappears when its key expires.
public struct WorkerHeartbeat: Codable, Sendable, Equatable {
    public struct ActiveTask: Codable, Sendable, Equatable {
        public var id: String
        public var task: String
        public var queue: String
        public var startedAt: Double

        public init(id: String, task: String, queue: String, startedAt: Double) {
            self.id = id
            self.task = task
            self.queue = queue
            self.startedAt = startedAt
        }

        enum CodingKeys: String, CodingKey {
            case id, task, queue
            case startedAt = "started_at"
        }
    }

    /// `hostname:pid`.
    public var identity: String
    public var queues: [String]
    public var concurrency: Int
    public var active: [ActiveTask]
    /// Totals since start: received, succeeded, failed, retried, dead, revoked.
    public var counters: [String: Int]
    public var startedAt: Double
    public var heartbeatAt: Double

    public init(
        identity: String,
        queues: [String],
        concurrency: Int,
        active: [ActiveTask],
        counters: [String: Int],
        startedAt: Double,
        heartbeatAt: Double
    ) {
        self.identity = identity
        self.queues = queues
        self.concurrency = concurrency
        self.active = active
        self.counters = counters
        self.startedAt = startedAt
        self.heartbeatAt = heartbeatAt
    }

    enum CodingKeys: String, CodingKey {
        case identity, queues, concurrency, active, counters
        case startedAt = "started_at"
        case heartbeatAt = "heartbeat_at"
    }

    /// `hostname:pid` of this process.
    public static var processIdentity: String {
        "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier)"
    }
}
