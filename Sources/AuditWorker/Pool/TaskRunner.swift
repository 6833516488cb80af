import Core
import Synchronization

/// How one run of a handler ended.
enum RunOutcome: Sendable {
    case succeeded(JSONValue)
    case failed(any Error)
    /// The soft limit cancelled the task and it ended by throwing.
    case softTimeLimit
    /// The hard limit passed; the handler may still be running, detached, but its slot is free.
    case hardTimeLimit
    /// The pool gave the message back (shutdown) before the handler finished.
    case abandoned
}

/// Runs a handler under its time limits. The handler runs in a task of its own so that the runner
/// can stop waiting for it: Swift cannot kill a task, so a handler that ignores cancellation is left
/// to finish in the background while its slot is reclaimed.
enum TaskRunner {
    static func run(
        soft: Duration?,
        hard: Duration?,
        onStart: (@escaping @Sendable () -> Void) -> Void,
        _ body: @escaping @Sendable () async throws -> JSONValue
    ) async -> RunOutcome {
        let race = OutcomeRace()
        return await withCheckedContinuation { continuation in
            race.arm(continuation)
            let work = Task {
                do {
                    race.finish(.succeeded(try await body()))
                } catch {
                    race.finish(race.softLimitReached ? .softTimeLimit : .failed(error))
                }
            }
            if let soft {
                race.addTimer(
                    Task {
                        guard (try? await Task.sleep(for: soft)) != nil else { return }
                        race.reachSoftLimit()
                        work.cancel()
                    }
                )
            }
            if let hard {
                race.addTimer(
                    Task {
                        guard (try? await Task.sleep(for: hard)) != nil else { return }
                        race.finish(.hardTimeLimit)
                        work.cancel()
                    }
                )
            }
            onStart {
                race.finish(.abandoned)
                work.cancel()
            }
        }
    }
}

/// Resumes the runner with the first outcome; later ones are ignored.
private final class OutcomeRace: Sendable {
    private struct State {
        var continuation: CheckedContinuation<RunOutcome, Never>?
        var done = false
        var softLimitReached = false
        var timers: [Task<Void, Never>] = []
    }

    private let state = Mutex(State())

    func arm(_ continuation: CheckedContinuation<RunOutcome, Never>) {
        state.withLock { $0.continuation = continuation }
    }

    func addTimer(_ timer: Task<Void, Never>) {
        let cancelNow = state.withLock { state in
            if state.done { return true }
            state.timers.append(timer)
            return false
        }
        if cancelNow { timer.cancel() }
    }

    var softLimitReached: Bool { state.withLock { $0.softLimitReached } }

    func reachSoftLimit() {
        state.withLock { $0.softLimitReached = true }
    }

    func finish(_ outcome: RunOutcome) {
        let (continuation, timers) = state.withLock { state -> (CheckedContinuation<RunOutcome, Never>?, [Task<Void, Never>]) in
            guard !state.done else { return (nil, []) }
            state.done = true
            defer {
                state.continuation = nil
                state.timers = []
            }
            return (state.continuation, state.timers)
        }
        timers.forEach { $0.cancel() }
        continuation?.resume(returning: outcome)
    }
}
