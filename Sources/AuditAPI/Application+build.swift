import Core
import Hummingbird
import Logging
import OpenAPIRuntime
import Prometheus

/// Builds the API application from configuration. `@main` and the tests both call this, so what is
/// tested is what runs.
func buildApplication(config: AppConfig) async throws -> some ApplicationProtocol {
    let logger = config.makeLogger("auditmate.api")
    let infrastructure = Infrastructure(config: config, applicationName: "auditmate-api", logger: logger)
    let metrics = PrometheusCollectorRegistry()
    let routes = RouteTable()
    let identity = await IdentityService(
        postgres: infrastructure.postgres,
        redis: infrastructure.redis,
        secrets: config.secrets,
        settings: config.identity,
        trialDays: config.billing.trialDays,
        logger: logger
    )

    let router = Router(context: AppRequestContext.self, options: .autoGenerateHeadEndpoints)
    // Outermost first. Everything that must see the final status (ids, logs, metrics, headers) sits
    // outside ErrorMiddleware, which turns errors into DRF responses.
    router.addMiddleware {
        RequestIDMiddleware()
        AccessLogMiddleware()
        MetricsMiddleware(registry: metrics)
        SecurityHeadersMiddleware(strictTransportSecurity: config.isProduction)
        AllowedHostsMiddleware(settings: config.http)
        CORSMiddleware(allowedOrigins: config.http.corsAllowedOrigins)
        ErrorMiddleware()
        BodyLimitMiddleware(limit: config.http.maxRequestBodyBytes)
        AuthenticationMiddleware(identity: identity, http: config.http, trustedProxies: config.identity.trustedProxies)
        MethodNotAllowedMiddleware(routes: routes)
    }

    let schema = try SchemaDocument.bundled()
    let auditEvents = AuditEventHub(database: config.database, logger: logger)
    let broker = QueueBroker(redis: infrastructure.redis, settings: config.queue)
    let audits = AuditService(
        postgres: infrastructure.postgres,
        broker: broker,
        maxActiveAudits: config.quotas.maxActiveAuditsPerOrganization,
        logger: logger
    )
    let handler = APIHandler(
        infrastructure: infrastructure,
        metrics: metrics,
        schema: schema,
        docs: try SwaggerUIPage(directory: config.http.swaggerUIDirectory),
        identity: identity,
        organizations: OrganizationService(postgres: infrastructure.postgres, identity: identity, logger: logger),
        auditLog: AuditLog(postgres: infrastructure.postgres, logger: logger),
        integrations: IntegrationService(
            postgres: infrastructure.postgres,
            github: GitHubClient(settings: config.github, redis: infrastructure.redis, logger: logger),
            fernet: try Fernet(keys: config.secrets.fernetKeys),
            settings: config.github,
            logger: logger
        ),
        billing: BillingService(
            postgres: infrastructure.postgres,
            stripe: StripeClient(settings: config.billing, logger: logger),
            settings: config.billing,
            logger: logger
        ),
        audits: audits,
        reports: ReportService(postgres: infrastructure.postgres, broker: broker, logger: logger),
        auditEvents: auditEvents,
        eventStreamSlots: EventStreamSlots(redis: infrastructure.redis, limit: config.quotas.maxStreamsPerUser, logger: logger),
        schedules: ScheduleService(postgres: infrastructure.postgres, audits: audits, settings: config.scheduling, logger: logger),
        secureCookies: config.isProduction,
        servesMetrics: !config.isProduction
    )
    try handler.registerHandlers(
        on: RecordingTransport(router: router, table: routes),
        // Compact, as DRF's JSONRenderer writes it; sorted keys keep answers byte-for-byte stable.
        configuration: .init(dateTranscoder: ISO8601Transcoder(), jsonEncodingOptions: [.sortedKeys, .withoutEscapingSlashes]),
        middlewares: [
            QueryParametersMiddleware(rules: schema.queryRules),
            RequestBodyMiddleware(rules: schema.bodyRules, limit: config.http.maxRequestBodyBytes),
            RequiredNullsMiddleware(shapes: schema.responseShapes),
        ]
    )

    var services = infrastructure.services + [auditEvents]
    if config.isProduction {
        services.append(
            MetricsListener.application(registry: metrics, host: config.http.host, port: config.http.metricsPort, logger: logger)
        )
    }
    var app = Application(
        router: router,
        configuration: .init(address: .hostname(config.http.host, port: config.http.port), serverName: nil),
        services: services,
        logger: logger
    )
    app.beforeServerStarts {
        try await infrastructure.prepareSchema(environment: config.environment)
    }
    return app
}
