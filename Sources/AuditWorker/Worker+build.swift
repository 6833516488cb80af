import Core
import Logging
import ServiceLifecycle

/// What the `worker` and `beat` commands decide about a process.
struct WorkerPlan: Sendable {
    /// Nil runs no task pool (`AuditWorker beat`).
    var pool: WorkerOptions?
    var beat = false
    var metricsPort: Int?
    /// Registers the diagnostics tasks (`DiagnosticTasks`) besides the product's: only tests that
    /// drive the engine through them ask for it, so a production worker never runs them.
    var diagnosticTasks = false
}

/// Builds the worker process from configuration: the shared clients, then the worker itself, so the
/// worker stops first on SIGTERM and the clients it uses stop after it. `@main` and tests both use it.
func buildWorker(config: AppConfig, plan: WorkerPlan = WorkerPlan(), startupPatience: Duration = .seconds(30)) throws -> ServiceGroup {
    let logger = config.makeLogger("auditmate.worker")
    let infrastructure = Infrastructure(config: config, applicationName: "auditmate-worker", logger: logger)
    let broker = QueueBroker(redis: infrastructure.redis, settings: config.queue)
    let domain = try WorkerDomain(config: config, infrastructure: infrastructure, broker: broker, logger: logger)
    let metrics = WorkerMetrics()
    var worker = WorkerService(
        infrastructure: infrastructure,
        environment: config.environment,
        logger: logger,
        startupPatience: startupPatience
    )
    if let options = plan.pool {
        worker.pool = WorkerPool(
            broker: broker,
            registry: .standard(domain, diagnostics: plan.diagnosticTasks),
            infrastructure: infrastructure,
            options: options,
            metrics: metrics,
            logger: config.makeLogger("auditmate.tasks")
        )
    }
    if plan.beat {
        let beatLogger = config.makeLogger("auditmate.beat")
        worker.beat = BeatService(
            lease: BeatLease(redis: infrastructure.redis, keys: broker.keys, owner: WorkerHeartbeat.processIdentity),
            slots: BeatSlotStore(postgres: infrastructure.postgres, logger: logger),
            broker: broker,
            sources: [
                SystemSchedule.source(producer: domain.producer, config: config, logger: beatLogger),
                ScheduledRescanSource(schedules: domain.schedules),
            ],
            logger: beatLogger
        )
    }
    var services = infrastructure.services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) }
    if let port = plan.metricsPort {
        services.append(.init(service: MetricsServer(host: config.http.host, port: port, registry: metrics.registry, logger: logger)))
    }
    services.append(
        .init(service: worker, successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup)
    )
    return ServiceGroup(
        configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
    )
}
