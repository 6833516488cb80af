import Core
import Logging
import ServiceLifecycle

/// Builds the worker process from configuration: the shared clients, then the worker itself, so the
/// worker stops first on SIGTERM and the clients it uses stop after it. `@main` and tests both use it.
func buildWorker(config: AppConfig, startupPatience: Duration = .seconds(30)) -> ServiceGroup {
    let logger = config.makeLogger("auditmate.worker")
    let infrastructure = Infrastructure(config: config, applicationName: "auditmate-worker", logger: logger)
    let worker = WorkerService(
        infrastructure: infrastructure,
        environment: config.environment,
        logger: logger,
        startupPatience: startupPatience
    )
    let services =
        infrastructure.services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) }
        + [
            .init(
                service: worker,
                successTerminationBehavior: .gracefullyShutdownGroup,
                failureTerminationBehavior: .gracefullyShutdownGroup
            )
        ]
    return ServiceGroup(
        configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
    )
}
