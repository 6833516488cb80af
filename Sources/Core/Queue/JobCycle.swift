import Foundation
import Logging

/// The "write PENDING, publish, reconcile" cycle of work that lives in a table and runs from a
/// queue: audit scans and report renderings. The row is written PENDING before its task is
/// published, so an accepted job survives Redis being down: the row is the truth and the message
/// only wakes a worker. The reconciler returns rows whose worker died to PENDING and publishes rows
/// whose message was lost. The jobs are idempotent, so the rare second message is harmless.
struct JobCycle: Sendable {
    /// What the logs call one job, e.g. "audit scan".
    let noun: String
    /// The log metadata key of a job's row, e.g. "audit".
    let rowKey: String
    let logger: Logger

    /// Runs `send` (publish the task, record that it was published). A failure (Redis down) is
    /// logged and left to the reconciler.
    func publish(_ id: UUID, send: () async throws -> Void) async {
        await publish([id], send: send)
    }

    /// Runs `send` for several jobs published together (a group of starts).
    func publish(_ ids: [UUID], send: () async throws -> Void) async {
        do {
            try await send()
        } catch {
            let rows = ids.map(\.uuidString).joined(separator: ",")
            logger.warning("\(noun) not published yet; the reconciler will retry", metadata: [rowKey: "\(rows)", "error": "\(error)"])
        }
    }

    /// One reconciler pass: the rows `requeueStuck` put back to PENDING (their worker stopped
    /// heart-beating), then the PENDING rows `lost` finds without a live message, each published
    /// again with `publish`. Returns how many were published.
    func reconcile(
        requeueStuck: () async throws -> [UUID],
        lost: () async throws -> [UUID],
        publish: (UUID) async -> Void
    ) async throws -> Int {
        let stuck = try await requeueStuck()
        for id in stuck { await publish(id) }
        log(stuck, "restarted \(noun)s whose worker stopped")
        let missing = try await lost()
        for id in missing { await publish(id) }
        log(missing, "re-published \(noun)s missing from the queue")
        return stuck.count + missing.count
    }

    private func log(_ ids: [UUID], _ message: Logger.Message) {
        guard !ids.isEmpty else { return }
        logger.notice(message, metadata: ["count": "\(ids.count)", "\(rowKey)s": "\(ids.map(\.apiString))"])
    }
}

extension TaskDeclaration {
    /// A cycle's reconciler, which beat sends every minute: never retried (the next run does the
    /// same work), its result ignored, done well within the minute.
    static func reconciler(_ name: String, queue: String) -> TaskDeclaration {
        TaskDeclaration(
            name: name,
            queue: queue,
            argumentNames: [],
            retry: .never,
            timeLimits: TaskTimeLimits(soft: .seconds(60), hard: .seconds(90)),
            ignoresResult: true
        )
    }
}
