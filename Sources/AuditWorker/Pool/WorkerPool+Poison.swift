import Core
import Foundation
import Logging

extension WorkerPool {
    /// Finishes what the restore script started for a poison message (its worker died
    /// `QUEUE_MAX_DELIVERIES` times running it; the message is already in the dead-letter list):
    /// runs the task's failure hook so its record reads ERROR, stores Celery's FAILURE result, and
    /// counts it. This worker may not consume the message's queue; the registry knows every task.
    func recordPoison(_ poisoned: RestoreOutcome.Poisoned) async {
        let envelope = poisoned.envelope
        var logger = self.logger
        logger[metadataKey: "task_id"] = "\(envelope.id)"
        logger[metadataKey: "task"] = "\(envelope.taskName)"
        logger[metadataKey: "queue"] = "\(poisoned.queue)"
        let failure = TaskFailure.poison(deliveries: poisoned.deliveries)
        let task = registry[envelope.taskName]
        if let task, let body = try? envelope.body() {
            do {
                try await task.recordFailure(body, failure, infrastructure)
            } catch {
                logger.error("failure hook failed", metadata: ["error": "\(error)"])
            }
        }
        if !envelope.ignoresResult && !(task?.declaration.ignoresResult ?? false) {
            _ = await withRedisRetry(logger: logger) {
                try await results.store(
                    taskID: envelope.id,
                    state: .failure,
                    result: ResultBackend.exception(failure),
                    traceback: failure.description
                )
            }
        }
        count(.failed, task: envelope.taskName)
        count(.dead, task: envelope.taskName)
        logger.error(
            "poison message: its worker died every time it ran; moved to the dead-letter list",
            metadata: ["deliveries": "\(poisoned.deliveries)"]
        )
    }
}
