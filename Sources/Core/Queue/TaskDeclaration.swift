/// Everything both sides of the queue agree on about one task, declared once beside its payload:
/// Celery's task name, the queue, the positional argument names, retries, time limits, results.
public struct TaskDeclaration: Sendable, Equatable {
    /// The Celery task name, e.g. `audits.scan`; Python peers use the same string.
    public let name: String
    /// The queue (Redis list) its messages go to unless a producer routes them elsewhere.
    public let queue: String
    /// Payload coding keys in Celery `args` order: `["audit_id"]` makes `[audit_id]` the positional
    /// arguments; Python callers may pass the same names as kwargs instead.
    public let argumentNames: [String]
    public let retry: RetryPolicy
    public let timeLimits: TaskTimeLimits
    /// When false the worker writes Celery's result document (`celery-task-meta-<id>`).
    public let ignoresResult: Bool

    public init(
        name: String,
        queue: String,
        argumentNames: [String],
        retry: RetryPolicy = .standard,
        timeLimits: TaskTimeLimits = TaskTimeLimits(),
        ignoresResult: Bool = false
    ) {
        self.name = name
        self.queue = queue
        self.argumentNames = argumentNames
        self.retry = retry
        self.timeLimits = timeLimits
        self.ignoresResult = ignoresResult
    }
}
