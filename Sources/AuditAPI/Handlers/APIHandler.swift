import Core
import Prometheus

/// Implements the operations of `openapi.yaml` (the generated `APIProtocol`). Each spec tag has its
/// own extension file; dependencies arrive through `init`.
struct APIHandler: APIProtocol {
    let infrastructure: Infrastructure
    let metrics: PrometheusCollectorRegistry
    let schema: SchemaDocument
}
