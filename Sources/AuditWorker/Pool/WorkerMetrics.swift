import Core
import Prometheus
import Synchronization

/// The worker's Prometheus metrics: task outcomes and run times by task name, queue latency, queue
/// depths and tasks in flight. Served by `MetricsServer` on `--metrics-port`.
///
/// Handles are cached per task: the registry validates names and labels on every lookup, which
/// showed up in the worker's profile at thousands of tasks per second.
final class WorkerMetrics: Sendable {
    let registry: PrometheusCollectorRegistry
    /// Each outcome's counter, by task name. A series is made on its first count, so /metrics lists
    /// only outcomes that happened.
    private let counters = Mutex<[TaskOutcome: [String: Counter]]>([:])
    private let runtimes = Mutex<[String: DurationHistogram]>([:])
    private let latency: ValueHistogram
    private let inFlight: Gauge

    init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        self.latency = registry.makeValueHistogram(
            descriptor: MetricNameDescriptor(
                namespace: "auditmate",
                metricName: "task_start_latency",
                unitName: "seconds",
                helpText: "Time from publication (sent_at header) to the start of the task."
            ),
            buckets: Self.latencyBuckets
        )
        self.inFlight = registry.makeGauge(
            descriptor: MetricNameDescriptor(
                namespace: "auditmate",
                metricName: "tasks",
                unitName: "in_flight",
                helpText: "Tasks running now."
            )
        )
    }

    static let runtimeBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(5), .milliseconds(25), .milliseconds(100), .milliseconds(500),
        .seconds(1), .seconds(5), .seconds(15), .seconds(60), .seconds(300), .seconds(1_800),
    ]

    /// Fine-grained (x1.25 steps from 0.25 ms to about 10 min) so percentiles read from the histogram,
    /// as the benchmark does, are close to exact.
    static let latencyBuckets: [Double] = (0..<66).map { exponent in (0..<exponent).reduce(0.00025) { value, _ in value * 1.25 } }

    func count(_ outcome: TaskOutcome, task: String) {
        let counter = counters.withLock { cache in
            if let counter = cache[outcome]?[task] { return counter }
            let counter = registry.makeCounter(descriptor: outcome.descriptor, labels: [("task", task)])
            cache[outcome, default: [:]][task] = counter
            return counter
        }
        counter.increment()
    }

    func recordRuntime(_ duration: Duration, task: String) {
        let histogram = runtimes.withLock { cache in
            if let histogram = cache[task] { return histogram }
            let histogram = registry.makeDurationHistogram(
                descriptor: MetricNameDescriptor(
                    namespace: "auditmate",
                    metricName: "task_runtime",
                    unitName: "seconds",
                    helpText: "Run time of tasks, by task name."
                ),
                labels: [("task", task)],
                buckets: Self.runtimeBuckets
            )
            cache[task] = histogram
            return histogram
        }
        histogram.record(duration)
    }

    /// Time from publication to start, for messages whose producer stamped `sent_at`.
    func recordLatency(seconds: Double) {
        latency.record(max(seconds, 0))
    }

    func setInFlight(_ count: Int) {
        inFlight.set(Double(count))
    }

    func setDepths(ready: [String: Int], unacked: Int, delayed: Int) {
        for (queue, count) in ready {
            registry.makeGauge(
                descriptor: MetricNameDescriptor(
                    namespace: "auditmate",
                    metricName: "queue_ready",
                    unitName: "messages",
                    helpText: "Ready messages per queue."
                ),
                labels: [("queue", queue)]
            ).set(Double(count))
        }
        registry.makeGauge(
            descriptor: MetricNameDescriptor(
                namespace: "auditmate",
                metricName: "queue_unacked",
                unitName: "messages",
                helpText: "Messages held by workers."
            )
        ).set(Double(unacked))
        registry.makeGauge(
            descriptor: MetricNameDescriptor(
                namespace: "auditmate",
                metricName: "queue_delayed",
                unitName: "messages",
                helpText: "Messages waiting for their ETA."
            )
        ).set(Double(delayed))
    }
}
