/// What went wrong with a task, as the failure hook, the dead-letter list and the result backend see it.
public struct TaskFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// The handler threw; `retryable` says whether running again may help.
        case error
        case softTimeLimit
        case hardTimeLimit
        /// The message itself is unusable (bad JSON, unknown task, arguments that do not fit).
        case badMessage
        /// The worker running the task died, again and again: a poison message.
        case poison
    }

    public var kind: Kind
    public var message: String
    /// The Python exception type a Celery client rebuilds from the result document.
    public var exceptionType: String
    public var exceptionModule: String?
    public var retryable: Bool

    /// A task that ran past its soft or hard time limit, as Celery's own exceptions; running it
    /// again would only run out of time again.
    public static func timeLimit(hard: Bool, _ limit: Duration) -> TaskFailure {
        TaskFailure(
            kind: hard ? .hardTimeLimit : .softTimeLimit,
            message: "\(hard ? "hard" : "soft") time limit (\(limit)) exceeded",
            exceptionType: hard ? "TimeLimitExceeded" : "SoftTimeLimitExceeded",
            exceptionModule: "celery.exceptions",
            retryable: false
        )
    }

    /// A message whose worker died `deliveries` times while running it (killed, out of memory,
    /// crashed): the task itself most likely brings the process down, so it is not run again.
    /// Celery reports a worker dying under a task as billiard's `WorkerLostError`.
    public static func poison(deliveries: Int) -> TaskFailure {
        TaskFailure(
            kind: .poison,
            message: "the task stopped its worker \(deliveries) times without finishing (poison message)",
            exceptionType: "WorkerLostError",
            exceptionModule: "billiard.exceptions",
            retryable: false
        )
    }

    public init(
        kind: Kind = .error,
        message: String,
        exceptionType: String = "TaskFailure",
        exceptionModule: String? = nil,
        retryable: Bool
    ) {
        self.kind = kind
        self.message = message
        self.exceptionType = exceptionType
        self.exceptionModule = exceptionModule
        self.retryable = retryable
    }

    /// A failure that a retry may fix (a dependency was down, a lock was busy).
    public static func transient(_ message: String) -> TaskFailure {
        TaskFailure(message: message, retryable: true)
    }

    /// A failure that will happen again however often the task runs.
    public static func permanent(_ message: String) -> TaskFailure {
        TaskFailure(message: message, retryable: false)
    }

    public var description: String { "\(exceptionType): \(message)" }
}
