/// Soft limit: the task is cancelled cooperatively (Swift task cancellation). Hard limit: the worker
/// stops waiting, frees the slot and records a time-limit failure, whatever the task does.
public struct TaskTimeLimits: Sendable, Equatable {
    public var soft: Duration?
    public var hard: Duration?

    public init(soft: Duration? = nil, hard: Duration? = nil) {
        self.soft = soft
        self.hard = hard
    }
}
