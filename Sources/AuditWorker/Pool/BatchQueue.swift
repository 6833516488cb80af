import Synchronization

/// A queue whose consumer takes everything that accumulated in one go: completed deliveries are
/// acknowledged in batches, one script call for many messages.
final class BatchQueue<Element: Sendable>: Sendable {
    private struct State {
        var items: [Element] = []
        var waiter: CheckedContinuation<Void, Never>?
        var finished = false
    }

    private let state = Mutex(State())

    func append(_ element: Element) {
        let waiter = state.withLock { state in
            state.items.append(element)
            let waiter = state.waiter
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    /// Puts back a batch that could not be processed, ahead of newer items.
    func putBack(_ elements: [Element]) {
        state.withLock { $0.items.insert(contentsOf: elements, at: 0) }
    }

    /// Everything queued, waiting until there is something; nil once finished and empty.
    func next() async -> [Element]? {
        while true {
            let batch: [Element]?? = state.withLock { state in
                if !state.items.isEmpty {
                    let items = state.items
                    state.items.removeAll(keepingCapacity: true)
                    return .some(items)
                }
                return state.finished ? .some(nil) : nil
            }
            if let batch { return batch }
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { state in
                    if !state.items.isEmpty || state.finished { return true }
                    state.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        }
    }

    /// Whatever is queued right now, without waiting.
    func takeAll() -> [Element] {
        state.withLock { state in
            let items = state.items
            state.items.removeAll(keepingCapacity: true)
            return items
        }
    }

    var isEmpty: Bool { state.withLock { $0.items.isEmpty } }

    /// No more items will come; `next` returns the rest, then nil.
    func finish() {
        let waiter = state.withLock { state in
            state.finished = true
            let waiter = state.waiter
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }
}
