import Synchronization

/// Thrown by `withDeadline` when the operation did not finish in time.
public struct DeadlineExceeded: Error, CustomStringConvertible, Sendable {
    public let timeout: Duration
    public var description: String { "no answer within \(timeout.components.seconds) s" }
}

/// Returns the operation's result, or throws `DeadlineExceeded` after `timeout` without waiting for
/// the operation to notice. Blocking work (a hiredis call on a thread pool) cannot be cancelled, so a
/// task group, which always waits for its children, would not bound the wait; the loser here simply
/// finishes on its own later.
public func withDeadline<Value: Sendable>(
    _ timeout: Duration,
    _ operation: @escaping @Sendable () async throws -> Value
) async throws -> Value {
    let race = FirstResult<Value>()
    return try await withCheckedThrowingContinuation { continuation in
        race.arm(continuation)
        let work = Task {
            do { race.finish(.success(try await operation())) } catch { race.finish(.failure(error)) }
        }
        Task {
            try? await Task.sleep(for: timeout)
            race.finish(.failure(DeadlineExceeded(timeout: timeout)))
            work.cancel()
        }
    }
}

/// Resumes a continuation with whichever result arrives first; later ones are dropped.
private final class FirstResult<Value: Sendable>: Sendable {
    private let continuation = Mutex<CheckedContinuation<Value, any Error>?>(nil)

    func arm(_ continuation: CheckedContinuation<Value, any Error>) {
        self.continuation.withLock { $0 = continuation }
    }

    func finish(_ result: Result<Value, any Error>) {
        continuation.withLock { pending in
            pending?.resume(with: result)
            pending = nil
        }
    }
}
