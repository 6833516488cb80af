import Synchronization

/// Runs concurrent requests as groups: a request that arrives while a group is being written waits
/// for it to finish, then goes out with every other request that arrived meanwhile, in one call of
/// `write`. A request that finds nothing running goes out at once, alone, so grouping adds no wait
/// when there is no load; under load, one statement, one commit and one publish serve a whole group
/// where each request paid for its own (PostgreSQL's group commit does the same for WAL flushes).
/// `POST audits/start/` uses it (BENCHMARKS.md, issue 15).
///
/// Hand-written because none of the mirror's packages has it: swift-async-algorithms batches a
/// sequence that one consumer reads, not independent callers that each wait for their own answer.
final class GroupCommit<Request: Sendable, Outcome: Sendable>: Sendable {
    /// Writes a group; returns one result per request, in the requests' order.
    typealias Write = @Sendable (_ group: [Request]) async -> [Result<Outcome, any Error>]

    private struct Waiting {
        let request: Request
        let continuation: CheckedContinuation<Outcome, any Error>
    }

    private struct State {
        var waiting: [Waiting] = []
        var writing = false
    }

    private let state = Mutex(State())
    private let maxGroup: Int
    private let write: Write

    init(maxGroup: Int, write: @escaping Write) {
        precondition(maxGroup > 0)
        self.maxGroup = maxGroup
        self.write = write
    }

    /// The request's outcome once its group is written. Not cancellable: a request that was handed
    /// over is written whatever happens to its caller, which only stops waiting for the answer.
    func submit(_ request: Request) async throws -> Outcome {
        try await withCheckedThrowingContinuation { continuation in
            let leads = state.withLock { state in
                state.waiting.append(Waiting(request: request, continuation: continuation))
                defer { state.writing = true }
                return !state.writing
            }
            if leads { Task { await drain() } }
        }
    }

    /// Writes groups until no request waits. Only one drain runs at a time, so groups go out in
    /// arrival order.
    private func drain() async {
        while true {
            let group = state.withLock { state in
                let taken = Array(state.waiting.prefix(maxGroup))
                state.waiting.removeFirst(taken.count)
                if taken.isEmpty { state.writing = false }
                return taken
            }
            guard !group.isEmpty else { return }
            let results = await write(group.map(\.request))
            for (index, waiting) in group.enumerated() {
                waiting.continuation.resume(with: index < results.count ? results[index] : .failure(GroupCommitError.noResult))
            }
        }
    }
}

/// `write` returned fewer results than it was given requests: a bug, answered as an error rather
/// than by a caller that waits for ever.
struct GroupCommitError: Error, CustomStringConvertible {
    static let noResult = GroupCommitError()
    var description: String { "the group's writer returned no result for this request" }
}
