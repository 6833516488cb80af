import Core
import Foundation
import Logging

extension WorkerPool {
    /// The background duties of a worker, on one timer: renew leases and the heartbeat, restore
    /// orphans (running the failure hooks of poison messages beside the timer, so a slow database
    /// never delays a lease renewal), promote due delayed messages, refresh depth gauges. Stops once
    /// the pool has drained.
    func maintain(startedAt: Double) async {
        await withDiscardingTaskGroup { hooks in
            await maintain(startedAt: startedAt, hooks: &hooks)
        }
    }

    private func maintain(startedAt: Double, hooks: inout DiscardingTaskGroup) async {
        let visibility = broker.visibilityTimeout
        // Several renewals per timeout, so one slow round trip never lets a healthy lease expire.
        let leaseInterval = max(visibility / 4, .milliseconds(500))
        let restoreInterval = max(visibility / 4, .seconds(1))
        let heartbeatTTL = max(leaseInterval * 3, .seconds(10))
        let clock = ContinuousClock()
        var nextLease = clock.now
        var nextRestore = clock.now
        var nextPromote = clock.now
        var nextDepths = clock.now
        var failures = 0
        while !(state.phase != .running && state.runningCount == 0 && acks.isEmpty) {
            let now = clock.now
            do {
                if now >= nextLease {
                    nextLease = now + leaseInterval
                    try await broker.renewLeases(state.heldTags)
                    try await broker.publish(heartbeat: heartbeat(startedAt: startedAt), ttl: heartbeatTTL)
                    metrics.setInFlight(state.runningCount)
                }
                if now >= nextRestore && state.phase == .running {
                    nextRestore = now + restoreInterval
                    let outcome = try await broker.restoreExpired()
                    if outcome.restored > 0 {
                        logger.notice("restored expired unacknowledged messages", metadata: ["count": "\(outcome.restored)"])
                    }
                    for poisoned in outcome.poisoned {
                        hooks.addTask { await recordPoison(poisoned) }
                    }
                }
                if now >= nextPromote {
                    nextPromote = now + .milliseconds(250)
                    let promoted = try await broker.promoteDue()
                    if promoted > 0 { logger.info("promoted due delayed messages", metadata: ["count": "\(promoted)"]) }
                }
                if now >= nextDepths {
                    nextDepths = now + .seconds(5)
                    let ready = try await broker.readyCounts(queues: options.queues)
                    let pending = try await broker.pendingCounts()
                    metrics.setDepths(ready: ready, unacked: pending.unacked, delayed: pending.delayed)
                }
                failures = 0
            } catch {
                failures += 1
                if failures == 1 || failures % 20 == 0 {
                    logger.warning("maintenance failed; retrying", metadata: ["error": "\(error)"])
                }
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
    }

    func heartbeat(startedAt: Double) -> WorkerHeartbeat {
        WorkerHeartbeat(
            identity: options.identity,
            queues: options.queues,
            concurrency: options.concurrency,
            active: state.activeTasks,
            counters: state.outcomeTotals,
            startedAt: startedAt,
            heartbeatAt: Date().timeIntervalSince1970
        )
    }
}
