import Core
import OpenAPIRuntime
import Prometheus

/// Implements the operations of `openapi.yaml` (the generated `APIProtocol`). Each spec tag has its
/// own extension file; dependencies arrive through `init`. Handlers translate between the wire and
/// Core: they never touch SQL or Redis themselves.
struct APIHandler: APIProtocol {
    let infrastructure: Infrastructure
    let metrics: PrometheusCollectorRegistry
    let schema: SchemaDocument
    let docs: SwaggerUIPage
    let identity: IdentityService
    let organizations: OrganizationService
    let auditLog: AuditLog
    let integrations: IntegrationService
    let billing: BillingService
    let audits: AuditService
    let reports: ReportService
    let auditEvents: AuditEventHub
    let eventStreamSlots: EventStreamSlots
    let schedules: ScheduleService
    /// Cookies are `Secure` in production, where TLS is in front of the API.
    let secureCookies: Bool
    /// Development answers `/metrics` on the public port; production only on `METRICS_PORT`.
    let servesMetrics: Bool

    var scope: RequestScope { RequestScope.current }

    /// How the generated server writes bodies: compact, as DRF's JSONRenderer writes them; sorted
    /// keys keep answers byte-for-byte stable (and `CompactJSON` writes the same bytes).
    static let serverConfiguration = Configuration(
        dateTranscoder: ISO8601Transcoder(),
        jsonEncodingOptions: [.sortedKeys, .withoutEscapingSlashes]
    )
}
