import Prometheus

/// What became of a task, as the worker counts it: each outcome is a counter of its own,
/// `auditmate_tasks_<outcome>_total`, with one series per task name.
enum TaskOutcome: String, Sendable, CaseIterable {
    case received, succeeded, failed, retried, dead, revoked

    var descriptor: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "auditmate",
            metricName: "tasks_\(rawValue)",
            unitName: "total",
            helpText: "Tasks \(rawValue), by task name."
        )
    }
}
