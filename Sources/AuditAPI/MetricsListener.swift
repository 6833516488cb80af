import Hummingbird
import Logging
import NIOCore
import Prometheus

/// Production's second listener (`METRICS_PORT` on `HOST`): `GET /metrics` for Prometheus, and
/// nothing else. Request counts per route and the queue's shape are for the operator's network, not
/// for the internet the public port faces.
enum MetricsListener {
    static func application(registry: PrometheusCollectorRegistry, host: String, port: Int, logger: Logger) -> some ApplicationProtocol {
        let router = Router()
        router.get("/metrics") { _, _ -> Response in
            Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer()))
            )
        }
        var metricsLogger = logger
        metricsLogger[metadataKey: "listener"] = "metrics"
        return Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: nil),
            logger: metricsLogger
        )
    }
}
