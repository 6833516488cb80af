import Core
import Foundation
import Logging
import ServiceLifecycle

/// Beat: every tick, take or renew the leader lease; the leader asks each schedule source what is due
/// and claims every due slot in PostgreSQL, dispatching it in the claiming transaction. Runs in
/// `AuditWorker beat` or beside the pool with `--beat`; any number may run, one leads.
struct BeatService: Service {
    let lease: BeatLease
    let slots: BeatSlotStore
    let broker: QueueBroker
    let sources: [any ScheduleSource]
    let logger: Logger
    var tick: Duration = .seconds(1)
    /// What time it is for the schedules; tests move it by hand instead of waiting.
    var clock: @Sendable () -> Date = { Date() }

    func run() async throws {
        let leading = await cancelWhenGracefulShutdown {
            var leading = false
            while !Task.isCancelled {
                do {
                    let leader = try await lease.acquireOrRenew()
                    if leader != leading {
                        logger.notice(leader ? "beat: now the leader" : "beat: lost the leadership", metadata: ["beat": "\(lease.owner)"])
                        leading = leader
                    }
                    if leader { try await dispatchDue(now: clock()) }
                } catch {
                    logger.warning("beat tick failed; retrying", metadata: ["error": "\(PostgresFailure.reason(error))"])
                }
                try? await Task.sleep(for: tick)
            }
            return leading
        }
        if leading { try? await lease.release() }
    }

    /// Claims and dispatches every due slot of every source; returns the task ids dispatched. A slot
    /// whose claim fails (a lost connection, a deadlock with an edit) is logged and left for the next
    /// tick without holding up the others.
    @discardableResult
    func dispatchDue(now: Date = Date()) async throws -> [String] {
        var dispatched: [String] = []
        for source in sources {
            for slot in try await source.dueSlots(at: now) {
                let metadata: Logger.Metadata = ["schedule": "\(slot.schedule)", "slot": "\(CeleryTime.format(slot.slot))"]
                do {
                    if let taskID = try await slots.claim(slot, owner: lease.owner, publish: { try await broker.publish($0) }) {
                        logger.info("beat dispatched", metadata: metadata.merging(["task_id": "\(taskID)"]) { $1 })
                        dispatched.append(taskID)
                    }
                } catch {
                    logger.warning(
                        "beat could not dispatch a slot; retrying next tick",
                        metadata: metadata.merging(["error": "\(PostgresFailure.reason(error))"]) { $1 }
                    )
                }
            }
        }
        return dispatched
    }
}
