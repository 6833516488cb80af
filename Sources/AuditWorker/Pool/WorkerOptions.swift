import Core

/// How one worker process runs, from the `worker` command line.
struct WorkerOptions: Sendable {
    var queues: [String]
    var concurrency: Int
    /// How long in-flight tasks may run on after SIGTERM before their messages go back to the queue.
    var gracePeriod: Duration
    var identity: String = WorkerHeartbeat.processIdentity
    /// Pause between empty fetches grows up to this; a busy worker never waits.
    var maximumIdlePoll: Duration = .milliseconds(100)
}
