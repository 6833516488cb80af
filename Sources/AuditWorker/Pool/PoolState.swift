import Core
import Foundation
import Synchronization

/// The mutable state of a worker pool, shared by its loops: free slots, the deliveries it holds
/// under lease, the tasks running, outcome totals, and the shutdown phase.
final class PoolState: Sendable {
    enum Phase: Sendable {
        case running
        /// No more fetching; in-flight tasks may finish.
        case draining
        /// Unfinished tasks are abandoned and their messages returned to their queues.
        case abandoning
    }

    struct Running: Sendable {
        var info: WorkerHeartbeat.ActiveTask?
        var abandon: (@Sendable () -> Void)?
    }

    private struct State {
        var phase = Phase.running
        var busySlots = 0
        var slotWaiter: CheckedContinuation<Void, Never>?
        var idleWaiter: CheckedContinuation<Void, Never>?
        /// Everything fetched and not yet settled, by delivery tag (leases are renewed for these).
        var held: [String: Delivery] = [:]
        var running: [String: Running] = [:]
        var outcomes: [TaskOutcome: Int] = [:]
    }

    let concurrency: Int
    private let state = Mutex(State())

    init(concurrency: Int) {
        self.concurrency = concurrency
    }

    var phase: Phase { state.withLock { $0.phase } }

    /// Waits for at least one free slot and returns how many are free; 0 once the pool stops fetching.
    func waitForFreeSlots() async -> Int {
        while true {
            let free: Int? = state.withLock { state in
                if state.phase != .running { return 0 }
                let free = concurrency - state.busySlots
                return free > 0 ? free : nil
            }
            if let free { return free }
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { state in
                    if state.phase != .running || state.busySlots < concurrency { return true }
                    state.slotWaiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        }
    }

    /// Takes a slot for a fetched delivery.
    func hold(_ delivery: Delivery) {
        state.withLock { state in
            state.busySlots += 1
            state.held[delivery.tag] = delivery
            state.running[delivery.tag] = Running()
        }
    }

    func started(_ delivery: Delivery, info: WorkerHeartbeat.ActiveTask, abandon: @escaping @Sendable () -> Void) {
        let abandonNow = state.withLock { state in
            state.running[delivery.tag] = Running(info: info, abandon: abandon)
            return state.phase == .abandoning
        }
        if abandonNow { abandon() }
    }

    /// Frees the delivery's slot (its message may still await acknowledgement).
    func finished(_ delivery: Delivery) {
        let (slotWaiter, idleWaiter) = state.withLock { state in
            state.busySlots -= 1
            state.running[delivery.tag] = nil
            let slot = state.slotWaiter
            state.slotWaiter = nil
            var idle: CheckedContinuation<Void, Never>?
            if state.running.isEmpty {
                idle = state.idleWaiter
                state.idleWaiter = nil
            }
            return (slot, idle)
        }
        slotWaiter?.resume()
        idleWaiter?.resume()
    }

    /// The delivery was acknowledged or otherwise settled: its lease is no longer renewed.
    func settled(_ delivery: Delivery) {
        state.withLock { _ = $0.held.removeValue(forKey: delivery.tag) }
    }

    var heldTags: [String] { state.withLock { Array($0.held.keys) } }
    var activeTasks: [WorkerHeartbeat.ActiveTask] { state.withLock { $0.running.values.compactMap(\.info) } }
    var runningCount: Int { state.withLock { $0.running.count } }

    func count(_ outcome: TaskOutcome) {
        state.withLock { $0.outcomes[outcome, default: 0] += 1 }
    }

    /// Tasks per outcome since the pool started, keyed as the heartbeat carries them (`succeeded=12`).
    var outcomeTotals: [String: Int] {
        let outcomes = state.withLock { $0.outcomes }
        return Dictionary(uniqueKeysWithValues: outcomes.map { ($0.key.rawValue, $0.value) })
    }

    /// Stops fetching; wakes the fetch loop if it waits for a slot.
    func drain() {
        let waiter = state.withLock { state in
            if state.phase == .running { state.phase = .draining }
            let waiter = state.slotWaiter
            state.slotWaiter = nil
            return waiter
        }
        waiter?.resume()
    }

    /// Abandons every running task: each returns its message to the queue and frees its slot.
    func abandonAll() {
        let abandons = state.withLock { state in
            state.phase = .abandoning
            return state.running.values.compactMap(\.abandon)
        }
        abandons.forEach { $0() }
    }

    /// Returns once no task runs (or at once if none does).
    func waitUntilIdle() async {
        await withCheckedContinuation { continuation in
            let idle = state.withLock { state in
                if state.running.isEmpty { return true }
                state.idleWaiter = continuation
                return false
            }
            if idle { continuation.resume() }
        }
    }
}
