import Core
import Prometheus

/// The worker's Prometheus metrics: task outcomes and run times by task name, queue latency, queue
/// depths and tasks in flight. Served by `MetricsServer` on `--metrics-port`.
struct WorkerMetrics: Sendable {
    enum Outcome: String, Sendable, CaseIterable {
        case received, succeeded, failed, retried, dead, revoked
    }

    let registry: PrometheusCollectorRegistry

    init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
    }

    static let runtimeBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(5), .milliseconds(25), .milliseconds(100), .milliseconds(500),
        .seconds(1), .seconds(5), .seconds(15), .seconds(60), .seconds(300), .seconds(1_800),
    ]

    /// Fine-grained (x1.25 steps from 0.25 ms to about 10 min) so percentiles read from the histogram,
    /// as the benchmark does, are close to exact.
    static let latencyBuckets: [Double] = (0..<66).map { 0.00025 * pow125($0) }

    private static func pow125(_ exponent: Int) -> Double {
        (0..<exponent).reduce(1.0) { value, _ in value * 1.25 }
    }

    func count(_ outcome: Outcome, task: String) {
        registry.makeCounter(name: "auditmate_tasks_\(outcome.rawValue)_total", labels: [("task", task)]).increment()
    }

    func recordRuntime(_ duration: Duration, task: String) {
        registry.makeDurationHistogram(name: "auditmate_task_runtime_seconds", labels: [("task", task)], buckets: Self.runtimeBuckets)
            .record(duration)
    }

    /// Time from publication to start, for messages whose producer stamped `sent_at`.
    func recordLatency(seconds: Double) {
        registry.makeValueHistogram(name: "auditmate_task_start_latency_seconds", buckets: Self.latencyBuckets).record(max(seconds, 0))
    }

    func setInFlight(_ count: Int) {
        registry.makeGauge(name: "auditmate_tasks_in_flight").set(Double(count))
    }

    func setDepths(ready: [String: Int], unacked: Int, delayed: Int) {
        for (queue, count) in ready {
            registry.makeGauge(name: "auditmate_queue_ready_messages", labels: [("queue", queue)]).set(Double(count))
        }
        registry.makeGauge(name: "auditmate_queue_unacked_messages").set(Double(unacked))
        registry.makeGauge(name: "auditmate_queue_delayed_messages").set(Double(delayed))
    }
}
