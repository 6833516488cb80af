import Hummingbird
import Prometheus

/// Counts requests and records their latency by route template, method and status. The route is the
/// matched template (`/api/v1/audits/{id}/`), never the raw path, so label values stay bounded.
struct MetricsMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    let registry: PrometheusCollectorRegistry

    static var requests: MetricNameDescriptor {
        MetricNameDescriptor(namespace: "http", metricName: "requests", unitName: "total", helpText: "HTTP requests answered.")
    }
    static var latency: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "http",
            metricName: "request_duration",
            unitName: "seconds",
            helpText: "Time to produce the response."
        )
    }

    static let buckets: [Duration] = [
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
        .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
    ]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        let response = try await next(request, context)
        let labels = [
            ("route", context.endpointPath ?? "NotFound"),
            ("method", request.method.rawValue),
            ("status", String(response.status.code)),
        ]
        registry.makeCounter(descriptor: Self.requests, labels: labels).increment()
        registry.makeDurationHistogram(descriptor: Self.latency, labels: labels, buckets: Self.buckets)
            .record(ContinuousClock.now - started)
        return response
    }
}
