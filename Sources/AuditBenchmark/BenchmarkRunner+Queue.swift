import Core

/// What the benchmark does to the queue: publish, pace, and watch it drain.
extension BenchmarkRunner {
    /// Publishes `count` ping tasks, 1000 per round trip; returns the seconds it took.
    func enqueue(count: Int, broker: QueueBroker) async throws -> Double {
        let producer = TaskProducer(broker: broker)
        let clock = ContinuousClock()
        let started = clock.now
        var sent = 0
        while sent < count {
            let batch = try (0..<min(1000, count - sent)).map { _ in try producer.envelope(PingTask(), options: .init(queue: queue)) }
            try await broker.publish(batch)
            sent += batch.count
        }
        return (clock.now - started).seconds
    }

    /// Publishes `count` ping tasks at `perSecond`, in batches every 10 ms.
    static func enqueuePaced(count: Int, perSecond: Int, broker: QueueBroker, queue: String) async throws {
        let producer = TaskProducer(broker: broker)
        let clock = ContinuousClock()
        let started = clock.now
        let batch = max(perSecond / 100, 1)
        var sent = 0
        while sent < count {
            let envelopes = try (0..<min(batch, count - sent)).map { _ in try producer.envelope(PingTask(), options: .init(queue: queue)) }
            try await broker.publish(envelopes)
            sent += envelopes.count
            try await Task.sleep(until: started + .milliseconds(Int64(sent * 1000 / perSecond)), clock: clock)
        }
    }

    /// Seconds from the first message taken (fewer than `count` ready) to the queue and `unacked`
    /// both empty. `Int.max` waits for the queue to empty from whatever it holds.
    static func measureDrain(broker: QueueBroker, queue: String, count: Int, timeout: Duration = .seconds(600)) async throws -> Double {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        var first: ContinuousClock.Instant?
        while clock.now < deadline {
            let ready = try await broker.readyCounts(queues: [queue])[queue] ?? 0
            if first == nil && ready < count { first = clock.now }
            if let first, ready == 0, try await broker.pendingCounts().unacked == 0 {
                return (clock.now - first).seconds
            }
            try await Task.sleep(for: .milliseconds(first == nil ? 1 : 5))
        }
        throw BenchmarkError("the queue did not drain within \(timeout)")
    }

    /// The worker's enqueue-to-start histogram, read from its `/metrics`.
    static func latencyHistogram(port: Int) async throws -> LatencyHistogram {
        let metrics = try await LocalProbe.get("http://127.0.0.1:\(port)/metrics")
        return LatencyHistogram(prometheusText: metrics.body, name: "auditmate_task_start_latency_seconds")
    }
}
