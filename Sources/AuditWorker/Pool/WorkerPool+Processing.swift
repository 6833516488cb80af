import Core
import Foundation
import Logging
import PostgresNIO

extension WorkerPool {
    /// Takes one delivery from fetch to settlement. Every path ends with the message acknowledged,
    /// moved (delayed, retried, dead-lettered, returned) or, if Redis stayed unreachable, still in
    /// `unacked`, where the visibility timeout brings it back.
    func process(_ delivery: Delivery) async {
        defer { state.finished(delivery) }
        let envelope: TaskEnvelope
        do {
            envelope = try TaskEnvelope(parsing: delivery.raw)
        } catch {
            await deadLetter(delivery, envelope: nil, failure: .permanentMessage(error), logger: logger)
            return
        }
        // Known from here on, so settling the message for good also clears its presence key.
        let delivery = Delivery(raw: delivery.raw, tag: delivery.tag, queue: delivery.queue, taskID: envelope.id)
        var logger = self.logger
        logger[metadataKey: "task_id"] = "\(envelope.id)"
        logger[metadataKey: "task"] = "\(envelope.taskName)"
        logger[metadataKey: "queue"] = "\(delivery.queue)"
        let now = Date()
        if let expires = envelope.expires, expires < now {
            await revoke(delivery, envelope: envelope, logger: logger)
            return
        }
        if let eta = envelope.eta, eta.timeIntervalSince(now) > 0.001 {
            if await settle(delivery, logger: logger, { try await broker.delay(delivery, envelope: envelope, until: eta) }) {
                logger.info("task delayed", metadata: ["eta": "\(CeleryTime.format(eta))"])
            }
            return
        }
        guard let task = registry[envelope.taskName] else {
            await deadLetter(
                delivery,
                envelope: envelope,
                failure: .permanentMessage(TaskMessageError.unregisteredTask(envelope.taskName)),
                logger: logger
            )
            return
        }
        let body: TaskBody
        do {
            body = try envelope.body()
        } catch {
            await deadLetter(delivery, envelope: envelope, failure: .permanentMessage(error), logger: logger)
            return
        }
        await execute(task, body: body, delivery: delivery, envelope: envelope, logger: logger)
    }

    private func execute(_ task: RegisteredTask, body: TaskBody, delivery: Delivery, envelope: TaskEnvelope, logger: Logger) async {
        let name = task.declaration.name
        count(.received, task: name)
        if let sentAt = envelope.sentAt { metrics.recordLatency(seconds: Date().timeIntervalSince1970 - sentAt) }
        let limits = envelope.timeLimit
        let soft = limits.soft.map { Duration.milliseconds(Int64($0 * 1000)) } ?? task.declaration.timeLimits.soft
        let hard = limits.hard.map { Duration.milliseconds(Int64($0 * 1000)) } ?? task.declaration.timeLimits.hard
        let context = TaskContext(
            id: envelope.id,
            retries: envelope.retries,
            queue: delivery.queue,
            infrastructure: infrastructure,
            logger: logger
        )
        let info = WorkerHeartbeat.ActiveTask(id: envelope.id, task: name, queue: delivery.queue, startedAt: Date().timeIntervalSince1970)
        logger.info("task started", metadata: ["retries": "\(envelope.retries)"])
        let clock = ContinuousClock()
        let started = clock.now
        let outcome = await TaskRunner.run(soft: soft, hard: hard, onStart: { state.started(delivery, info: info, abandon: $0) }) {
            try await task.run(body, context)
        }
        let runtime = clock.now - started
        metrics.recordRuntime(runtime, task: name)
        let ignoresResult = envelope.ignoresResult || task.declaration.ignoresResult
        let failure: TaskFailure
        switch outcome {
        case .succeeded(let value):
            if !ignoresResult {
                _ = await withRedisRetry(logger: logger) { try await results.store(taskID: envelope.id, state: .success, result: value) }
            }
            acks.append(delivery)
            count(.succeeded, task: name)
            logger.info("task succeeded", metadata: ["runtime": "\(runtime)"])
            return
        case .abandoned:
            if await settle(delivery, logger: logger, { try await broker.returnToQueue(delivery, envelope: envelope) }) {
                logger.notice("task returned to the front of its queue")
            }
            return
        case .failed(let error):
            failure = Self.classify(error)
        case .softTimeLimit:
            failure = .timeLimit(hard: false, soft ?? .zero)
        case .hardTimeLimit:
            failure = .timeLimit(hard: true, hard ?? .zero)
        }
        await fail(
            task,
            body: body,
            delivery: delivery,
            envelope: envelope,
            failure: failure,
            ignoresResult: ignoresResult,
            logger: logger
        )
    }

    private func fail(
        _ task: RegisteredTask,
        body: TaskBody,
        delivery: Delivery,
        envelope: TaskEnvelope,
        failure: TaskFailure,
        ignoresResult: Bool,
        logger: Logger
    ) async {
        let name = task.declaration.name
        let policy = task.declaration.retry
        let maxRetries = envelope.maxRetries ?? policy.maxRetries
        if failure.retryable && envelope.retries < maxRetries {
            let delay = policy.delay(afterRetries: envelope.retries)
            let due = Date().addingTimeInterval(delay.seconds)
            let next = envelope.retry(eta: due)
            guard await settle(delivery, logger: logger, { try await broker.retry(delivery, with: next, due: due) }) else { return }
            if !ignoresResult {
                _ = await withRedisRetry(logger: logger) {
                    try await results.store(taskID: envelope.id, state: .retry, result: ResultBackend.exception(failure))
                }
            }
            count(.retried, task: name)
            logger.warning(
                "task retry",
                metadata: ["error": "\(failure)", "retry": "\(envelope.retries + 1)/\(maxRetries)", "eta": "\(CeleryTime.format(due))"]
            )
            return
        }
        do {
            try await task.recordFailure(body, failure, infrastructure)
        } catch {
            logger.error("failure hook failed", metadata: ["error": "\(error)"])
        }
        if !ignoresResult {
            _ = await withRedisRetry(logger: logger) {
                try await results.store(
                    taskID: envelope.id,
                    state: .failure,
                    result: ResultBackend.exception(failure),
                    traceback: failure.description
                )
            }
        }
        count(.failed, task: name)
        await deadLetter(delivery, envelope: envelope, failure: failure, logger: logger)
    }

    private func deadLetter(_ delivery: Delivery, envelope: TaskEnvelope?, failure: TaskFailure, logger: Logger) async {
        let letter = DeadLetter(
            error: failure.description,
            reason: failure.kind == .badMessage ? .badMessage : .failed,
            queue: delivery.queue,
            message: delivery.raw
        )
        guard await settle(delivery, logger: logger, { try await broker.deadLetter(delivery, letter: letter) }) else { return }
        count(.dead, task: envelope?.taskName ?? "unknown")
        logger.error("task failed; moved to the dead-letter list", metadata: ["error": "\(failure)", "delivery_tag": "\(delivery.tag)"])
    }

    private func revoke(_ delivery: Delivery, envelope: TaskEnvelope, logger: Logger) async {
        guard await settle(delivery, logger: logger, { try await broker.drop(delivery) }) else { return }
        if !envelope.ignoresResult && !(registry[envelope.taskName]?.declaration.ignoresResult ?? false) {
            let failure = TaskFailure(
                message: "expired",
                exceptionType: "TaskRevokedError",
                exceptionModule: "celery.exceptions",
                retryable: false
            )
            _ = await withRedisRetry(logger: logger) {
                try await results.store(taskID: envelope.id, state: .revoked, result: ResultBackend.exception(failure))
            }
        }
        count(.revoked, task: envelope.taskName)
        logger.notice("task revoked: expired before it could start", metadata: ["expires": "\(envelope.headers["expires"]?.string ?? "")"])
    }

    /// Runs one settling script, retrying through Redis outages. False when the lease was lost (the
    /// message belongs to another delivery now) or Redis stayed away too long (the message stays in
    /// `unacked` and comes back after the visibility timeout).
    private func settle(_ delivery: Delivery, logger: Logger, _ operation: @escaping @Sendable () async throws -> Bool) async -> Bool {
        defer { state.settled(delivery) }
        guard let owned = await withRedisRetry(logger: logger, operation) else { return false }
        if !owned { logLeaseLost(delivery) }
        return owned
    }

    /// Counts one outcome of `task` once, for both readers: the Prometheus counter on /metrics and
    /// the totals this worker's heartbeat shows `AuditWorker inspect`.
    func count(_ outcome: TaskOutcome, task: String) {
        metrics.count(outcome, task: task)
        state.count(outcome)
    }

    /// Retries an operation that failed on a connection problem with backoff, for up to twice the
    /// visibility timeout (after that the message will have been restored elsewhere anyway).
    func withRedisRetry<Value: Sendable>(logger: Logger, _ operation: @escaping @Sendable () async throws -> Value) async -> Value? {
        let deadline = ContinuousClock.now + broker.visibilityTimeout * 2
        var pause = Duration.milliseconds(100)
        while true {
            do {
                return try await operation()
            } catch {
                guard ContinuousClock.now + pause < deadline else {
                    logger.error("giving up on redis; the message stays unacknowledged", metadata: ["error": "\(error)"])
                    return nil
                }
                logger.warning("redis operation failed; retrying", metadata: ["error": "\(error)", "retry_in": "\(pause)"])
                try? await Task.sleep(for: pause)
                pause = min(pause * 2, .seconds(5))
            }
        }
    }

    /// Whether a retry can help: task failures say so themselves; broken messages never; dependency
    /// trouble (PostgreSQL, a Redis connection) always; anything else is assumed transient, bounded
    /// by the retry policy.
    static func classify(_ error: any Error) -> TaskFailure {
        switch error {
        case let failure as TaskFailure:
            return failure
        case let message as TaskMessageError:
            return .permanentMessage(message)
        case let redis as RedisError:
            return TaskFailure(message: redis.description, exceptionType: "RedisError", retryable: redis.isTransient)
        case is PSQLError, is PostgresError:
            return TaskFailure(message: PostgresFailure.reason(error), exceptionType: "OperationalError", retryable: true)
        default:
            return TaskFailure(message: "\(error)", exceptionType: String(describing: type(of: error)), retryable: true)
        }
    }
}

extension TaskFailure {
    static func permanentMessage(_ error: any Error) -> TaskFailure {
        TaskFailure(kind: .badMessage, message: "\(error)", exceptionType: "ContentDisallowed", exceptionModule: nil, retryable: false)
    }
}
