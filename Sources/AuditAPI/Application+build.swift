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
    let outbox = Outbox(
        postgres: infrastructure.postgres,
        broker: QueueBroker(redis: infrastructure.redis, settings: config.queue),
        fernet: try Fernet(keys: config.secrets.fernetKeys),
        logger: logger
    )
    let identity = await IdentityService(
        postgres: infrastructure.postgres,
        redis: infrastructure.redis,
        secrets: config.secrets,
        settings: config.identity,
        trialDays: config.billing.trialDays,
        outbox: outbox,
        logger: logger
    )
    let router = makeRouter(config: config, identity: identity, metrics: metrics, routes: routes)
    let schema = try SchemaDocument.bundled()
    let auditEvents = AuditEventHub(database: config.database, logger: logger)
    let handler = try makeHandler(
        config: config,
        infrastructure: infrastructure,
        identity: identity,
        metrics: metrics,
        schema: schema,
        auditEvents: auditEvents,
        logger: logger
    )
    let responses = ResponseCache()
    try register(handler, on: router, routes: routes, schema: schema, responses: responses, config: config)

    let listeners = [
        ChangeListener(channel: ChangeListener.principals, cache: identity.principals, database: config.database, logger: logger),
        ChangeListener(channel: ChangeListener.audits, cache: responses, database: config.database, logger: logger),
    ]
    var services = infrastructure.services + [auditEvents] + listeners
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

/// The router and its middleware, outermost first. Everything that must see the final status (ids,
/// logs, metrics, headers) sits outside ErrorMiddleware, which turns errors into DRF responses.
private func makeRouter(
    config: AppConfig,
    identity: IdentityService,
    metrics: PrometheusCollectorRegistry,
    routes: RouteTable
) -> Router<AppRequestContext> {
    let router = Router(context: AppRequestContext.self, options: .autoGenerateHeadEndpoints)
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
    return router
}

/// Every Core service the operations call, on the shared pools.
private func makeHandler(
    config: AppConfig,
    infrastructure: Infrastructure,
    identity: IdentityService,
    metrics: PrometheusCollectorRegistry,
    schema: SchemaDocument,
    auditEvents: AuditEventHub,
    logger: Logger
) throws -> APIHandler {
    let postgres = infrastructure.postgres
    let broker = QueueBroker(redis: infrastructure.redis, settings: config.queue)
    let audits = AuditService(
        postgres: postgres,
        broker: broker,
        maxActiveAudits: config.quotas.maxActiveAuditsPerOrganization,
        logger: logger
    )
    return APIHandler(
        infrastructure: infrastructure,
        metrics: metrics,
        schema: schema,
        docs: try SwaggerUIPage(directory: config.http.swaggerUIDirectory),
        identity: identity,
        organizations: OrganizationService(postgres: postgres, identity: identity, logger: logger),
        auditLog: AuditLog(postgres: postgres, logger: logger),
        integrations: IntegrationService(
            postgres: postgres,
            github: GitHubClient(settings: config.github, redis: infrastructure.redis, logger: logger),
            fernet: try Fernet(keys: config.secrets.fernetKeys),
            settings: config.github,
            logger: logger
        ),
        billing: BillingService(
            postgres: postgres,
            stripe: StripeClient(settings: config.billing, logger: logger),
            settings: config.billing,
            stamps: identity.stamps,
            logger: logger
        ),
        audits: audits,
        reports: ReportService(postgres: postgres, broker: broker, logger: logger),
        auditEvents: auditEvents,
        eventStreamSlots: EventStreamSlots(redis: infrastructure.redis, limit: config.quotas.maxStreamsPerUser, logger: logger),
        schedules: ScheduleService(postgres: postgres, audits: audits, settings: config.scheduling, logger: logger),
        secureCookies: config.isProduction,
        servesMetrics: !config.isProduction
    )
}

/// The generated operations on the router, each recorded in `routes` (for 405 answers) and checked
/// against the schema's query, body and response rules.
private func register(
    _ handler: APIHandler,
    on router: Router<AppRequestContext>,
    routes: RouteTable,
    schema: SchemaDocument,
    responses: ResponseCache,
    config: AppConfig
) throws {
    try handler.registerHandlers(
        on: RecordingTransport(router: router, table: routes),
        configuration: APIHandler.serverConfiguration,
        middlewares: [
            QueryParametersMiddleware(rules: schema.queryRules),
            RequestBodyMiddleware(rules: schema.bodyRules, limit: config.http.maxRequestBodyBytes),
            // Before the nulls pass: it answers its operations whole, nulls written.
            HotResponsesMiddleware(audits: handler.audits, cache: responses),
            RequiredNullsMiddleware(shapes: schema.responseShapes),
        ]
    )
}
