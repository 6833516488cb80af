import Core
import Logging

/// What a handler gets besides its payload: the message's identity and the shared clients.
struct TaskContext: Sendable {
    let id: String
    let retries: Int
    let queue: String
    let infrastructure: Infrastructure
    let logger: Logger
}

/// One task this worker can run: its declaration, the thin handler (decode, call Core, return the
/// result) and the declared failure hook, with the payload type erased so the pool can hold them all.
struct RegisteredTask: Sendable {
    let declaration: TaskDeclaration
    let run: @Sendable (TaskBody, TaskContext) async throws -> JSONValue
    let recordFailure: @Sendable (TaskBody, TaskFailure, Infrastructure) async throws -> Void

    /// A task whose arguments decode into `Payload`.
    static func payload<Payload: TaskPayload>(
        _ type: Payload.Type,
        _ handler: @escaping @Sendable (Payload, TaskContext) async throws -> JSONValue
    ) -> RegisteredTask {
        RegisteredTask(
            declaration: Payload.declaration,
            run: { body, context in try await handler(try Payload(body: body), context) },
            recordFailure: { body, failure, infrastructure in
                // A body that does not decode names no domain record to mark.
                guard let payload = try? Payload(body: body) else { return }
                try await payload.recordFailure(failure, using: infrastructure)
            }
        )
    }
}

/// The tasks a worker process knows, by Celery task name.
struct TaskRegistry: Sendable {
    private let tasks: [String: RegisteredTask]

    init(_ tasks: [RegisteredTask]) {
        self.tasks = Dictionary(tasks.map { ($0.declaration.name, $0) }, uniquingKeysWith: { _, last in last })
    }

    subscript(name: String) -> RegisteredTask? { tasks[name] }

    var names: [String] { tasks.keys.sorted() }

    /// What every standard task declares, for commands that need the queues but run no tasks.
    static let declarations: [TaskDeclaration] =
        [
            ScanAuditTask.declaration, ReconcileAuditsTask.declaration, GenerateReportTask.declaration,
            ReconcileReportsTask.declaration, SendEmailTask.declaration, ReconcileEmailsTask.declaration, PingTask.declaration,
        ]
        + Handlers.diagnostics.map(\.declaration)

    /// Every task of the product, plus the diagnostics when the process was started to run them
    /// (`--diagnostic-tasks`, which tests pass); without it their messages are unregistered tasks.
    static func standard(_ domain: WorkerDomain, diagnostics: Bool = false) -> TaskRegistry {
        TaskRegistry(
            [
                Handlers.scanAudit(domain), Handlers.reconcileAudits(domain), Handlers.generateReport(domain),
                Handlers.reconcileReports(domain), Handlers.sendEmail(domain), Handlers.reconcileEmails(domain), Handlers.ping,
            ]
                + (diagnostics ? Handlers.diagnostics : [])
        )
    }
}

/// Namespace of the task handlers, one file each.
enum Handlers {}
