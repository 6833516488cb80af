import Core
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

/// The worker daemon's task pool: `concurrency` slots fed from the given queues.
///
/// It fetches only as many messages as it has free slots (no prefetch beyond that, so a long task
/// never holds reserved messages hostage), runs each under its time limits, settles it (ack, retry,
/// dead letter) atomically, and meanwhile renews its leases, restores orphans of dead workers,
/// promotes due delayed messages and publishes its heartbeat. Redis errors never end it: every loop
/// backs off and carries on, so it resumes consuming after a Redis restart.
///
/// Shutdown (SIGTERM): stop fetching, let running tasks finish for `gracePeriod`, then return the
/// unfinished messages to the front of their queues; a second SIGTERM/SIGINT returns them at once.
struct WorkerPool: Service {
    let broker: QueueBroker
    let results: ResultBackend
    let registry: TaskRegistry
    let infrastructure: Infrastructure
    let options: WorkerOptions
    let metrics: WorkerMetrics
    let logger: Logger
    let state: PoolState
    let acks = BatchQueue<Delivery>()
    /// Waited for before the first fetch (the worker service prepares the schema first).
    let ready: @Sendable () async throws -> Void

    init(
        broker: QueueBroker,
        registry: TaskRegistry,
        infrastructure: Infrastructure,
        options: WorkerOptions,
        metrics: WorkerMetrics,
        logger: Logger,
        ready: @escaping @Sendable () async throws -> Void = {}
    ) {
        self.broker = broker
        self.results = ResultBackend(redis: broker.redis)
        self.registry = registry
        self.infrastructure = infrastructure
        self.options = options
        self.metrics = metrics
        self.logger = logger
        self.state = PoolState(concurrency: options.concurrency)
        self.ready = ready
    }

    func run() async throws {
        try await ready()
        logger.notice(
            "worker consuming",
            metadata: [
                "queues": "\(options.queues.joined(separator: ","))", "concurrency": "\(options.concurrency)",
                "worker": "\(options.identity)",
            ]
        )
        let started = Date().timeIntervalSince1970
        await withDiscardingTaskGroup { group in
            group.addTask { await maintain(startedAt: started) }
            group.addTask { await flushAcks() }
            await withGracefulShutdownHandler {
                await fetchLoop(group: &group)
            } onGracefulShutdown: {
                state.drain()
            }
            await shutDown()
        }
        try? await broker.removeHeartbeat(identity: options.identity)
        logger.notice("worker stopped consuming", metadata: ["worker": "\(options.identity)"])
    }

    private func fetchLoop(group: inout DiscardingTaskGroup) async {
        var idlePause = Duration.milliseconds(1)
        var failurePause = Duration.milliseconds(100)
        var batch = 0
        // Lease tokens must never repeat, even for a restarted process that got the same pid (pid 1
        // in every container), hence a random part besides the identity and the counter.
        let leasePrefix = "\(options.identity)/\(UInt32.random(in: 0...UInt32.max))"
        var queues = options.queues
        while true {
            let free = await state.waitForFreeSlots()
            if free == 0 { return }
            batch += 1
            do {
                // Rotating the order within each priority step shares the slots fairly among queues.
                queues.append(queues.removeFirst())
                let deliveries = try await broker.fetch(queues: queues, count: free, leaseBase: "\(leasePrefix)/\(batch)")
                failurePause = .milliseconds(100)
                if deliveries.isEmpty {
                    try? await Task.sleep(for: idlePause)
                    idlePause = min(idlePause * 2, options.maximumIdlePoll)
                    continue
                }
                idlePause = .milliseconds(1)
                for delivery in deliveries {
                    state.hold(delivery)
                    group.addTask { await process(delivery) }
                }
            } catch {
                logger.warning("fetch failed; retrying", metadata: ["error": "\(error)", "retry_in": "\(failurePause)"])
                try? await Task.sleep(for: failurePause)
                failurePause = min(failurePause * 2, .seconds(5))
            }
        }
    }

    /// After the fetch loop stopped: wait for running tasks within the grace period (or until a
    /// second signal), give back what is left, then flush the acknowledgements.
    private func shutDown() async {
        let running = state.runningCount
        if running > 0 {
            // Trapping before saying so: a second signal sent as soon as the line appears must not
            // arrive before anyone listens (it would be lost and the grace period run out).
            let signals = await UnixSignalsSequence(trapping: .sigterm, .sigint)
            logger.notice("finishing in-flight tasks", metadata: ["running": "\(running)", "grace_period": "\(options.gracePeriod)"])
            let secondSignal = Task {
                for await _ in signals {
                    logger.notice("second signal: returning unfinished tasks now")
                    state.abandonAll()
                    return
                }
            }
            let graceTimer = Task {
                guard (try? await Task.sleep(for: options.gracePeriod)) != nil else { return }
                logger.notice("grace period over: returning unfinished tasks")
                state.abandonAll()
            }
            await state.waitUntilIdle()
            secondSignal.cancel()
            graceTimer.cancel()
        }
        acks.finish()
    }

    private func flushAcks() async {
        var pause = Duration.milliseconds(100)
        var failures = 0
        while var batch = await acks.next() {
            if batch.count < 64 && state.phase == .running {
                // Let a few more completions gather: one script call then acknowledges them all.
                try? await Task.sleep(for: .milliseconds(2))
                batch += acks.takeAll()
            }
            do {
                let owned = try await broker.ack(batch)
                for (delivery, held) in zip(batch, owned) {
                    state.settled(delivery)
                    if !held { logLeaseLost(delivery) }
                }
                pause = .milliseconds(100)
                failures = 0
            } catch {
                failures += 1
                if state.phase != .running && failures > 5 {
                    // Shutting down without Redis: the messages stay in `unacked` and are restored
                    // after the visibility timeout, so at worst they run again.
                    logger.error("giving up acknowledgements at shutdown", metadata: ["error": "\(error)", "messages": "\(batch.count)"])
                    batch.forEach(state.settled)
                    continue
                }
                logger.warning("acknowledgement failed; retrying", metadata: ["error": "\(error)", "messages": "\(batch.count)"])
                acks.putBack(batch)
                try? await Task.sleep(for: pause)
                pause = min(pause * 2, .seconds(5))
            }
        }
    }

    func logLeaseLost(_ delivery: Delivery) {
        logger.warning(
            "lease lost: the message was redelivered to another worker meanwhile",
            metadata: ["delivery_tag": "\(delivery.tag)", "queue": "\(delivery.queue)"]
        )
    }
}
