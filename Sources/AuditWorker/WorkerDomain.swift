import Core
import Logging

/// The product services the worker's task handlers call, built once per process so they share
/// the GitHub client's per-credential limits and caches.
struct WorkerDomain: Sendable {
    let scanner: AuditScanner
    let audits: AuditService
    let schedules: ScheduleService
    let reports: ReportService
    let reportGenerator: ReportGenerator
    let producer: TaskProducer
    let outbox: Outbox
    let mail: MailDelivery

    init(config: AppConfig, infrastructure: Infrastructure, broker: QueueBroker, logger: Logger) throws {
        let github = GitHubClient(settings: config.github, redis: infrastructure.redis, logger: logger)
        let fernet = try Fernet(keys: config.secrets.fernetKeys)
        let integrations = IntegrationService(
            postgres: infrastructure.postgres,
            github: github,
            fernet: fernet,
            settings: config.github,
            logger: logger
        )
        // A quarter of the visibility timeout, as leases are renewed: the reconcilers take a RUNNING
        // record for abandoned after three timeouts without a heartbeat.
        let heartbeat = config.queue.visibilityTimeout / 4
        self.scanner = AuditScanner(
            postgres: infrastructure.postgres,
            integrations: integrations,
            github: github,
            heartbeatInterval: heartbeat,
            changes: AuditChanges(redis: infrastructure.redis, logger: logger),
            logger: logger
        )
        self.audits = AuditService(
            postgres: infrastructure.postgres,
            broker: broker,
            maxActiveAudits: config.quotas.maxActiveAuditsPerOrganization,
            logger: logger
        )
        self.schedules = ScheduleService(postgres: infrastructure.postgres, audits: audits, settings: config.scheduling, logger: logger)
        self.reports = ReportService(postgres: infrastructure.postgres, broker: broker, logger: logger)
        self.reportGenerator = ReportGenerator(postgres: infrastructure.postgres, heartbeatInterval: heartbeat, logger: logger)
        self.producer = TaskProducer(broker: broker)
        self.outbox = Outbox(postgres: infrastructure.postgres, broker: broker, fernet: fernet, logger: logger)
        self.mail = MailDelivery(
            postgres: infrastructure.postgres,
            transport: config.mail.transport(logger: logger),
            settings: config.mail,
            fernet: fernet,
            logger: logger
        )
    }
}
