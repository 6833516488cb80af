import Foundation
import Logging
import PostgresNIO

/// The sending side of mail: a change that causes a message writes it here in its own transaction
/// (`add`), and publishes it after the commit (`publish`); the `emails.send` task delivers it
/// (`MailDelivery`). A message is never lost: if Redis cannot take the task, the row stays PENDING
/// and the reconciler (`emails.reconcile`, every minute) publishes it again.
public struct Outbox: Sendable {
    /// Publishes the delivery of an e-mail (the `emails.send` task) as the message `taskID`.
    public typealias Dispatch = @Sendable (_ emailID: UUID, _ taskID: String) async throws -> Void
    /// Which of the given task ids still have a message in the queue.
    public typealias LiveTasks = @Sendable (_ taskIDs: [String]) async throws -> Set<String>

    let postgres: PostgresClient
    let dispatch: Dispatch
    let liveTasks: LiveTasks
    let fernet: Fernet
    let logger: Logger

    var table: EmailTable { EmailTable(logger: logger) }
    var cycle: JobCycle { JobCycle(noun: "e-mail", rowKey: "email", logger: logger) }

    public init(postgres: PostgresClient, dispatch: @escaping Dispatch, liveTasks: @escaping LiveTasks, fernet: Fernet, logger: Logger) {
        self.postgres = postgres
        self.dispatch = dispatch
        self.liveTasks = liveTasks
        self.fernet = fernet
        self.logger = logger
    }

    /// The outbox publishing through `broker`.
    public init(postgres: PostgresClient, broker: QueueBroker, fernet: Fernet, logger: Logger) {
        let producer = TaskProducer(broker: broker)
        self.init(
            postgres: postgres,
            dispatch: { emailID, taskID in _ = try await producer.enqueue(SendEmailTask(emailID: emailID), options: .init(id: taskID)) },
            liveTasks: { taskIDs in try await broker.liveTaskIDs(among: taskIDs) },
            fernet: fernet,
            logger: logger
        )
    }

    /// `AuditAPI rotate-secrets`: re-encrypts the tokens of unsent messages under the first of
    /// `FERNET_KEYS`, so dropping the old key later loses no pending link; how many, of how many.
    public static func rotateTokens(postgres: PostgresClient, fernet: Fernet, logger: Logger) async throws -> (rotated: Int, total: Int) {
        let table = EmailTable(logger: logger)
        return try await postgres.transaction(logger: logger) { connection in
            try await fernet.rotateStale(try await table.lockTokenCiphertexts(on: connection)) { id, ciphertext in
                try await table.replaceTokenCiphertext(of: id, with: ciphertext, on: connection)
            }
        }
    }

    /// One message as the change that causes it describes it.
    public struct Letter: Sendable {
        public var template: MailTemplate
        public var recipient: String
        public var recipientName: String
        public var organizationID: UUID?
        public var userID: UUID?
        public var context: [String: String]
        /// The one-time token the message's link carries; stored encrypted until the message is sent.
        public var token: String?

        public init(
            _ template: MailTemplate,
            to recipient: String,
            name: String = "",
            organizationID: UUID? = nil,
            userID: UUID? = nil,
            context: [String: String] = [:],
            token: String? = nil
        ) {
            self.template = template
            self.recipient = recipient
            self.recipientName = name
            self.organizationID = organizationID
            self.userID = userID
            self.context = context
            self.token = token
        }
    }

    /// A written message, to publish once its transaction committed.
    public struct Queued: Sendable {
        let id: UUID
        let taskID: String
    }

    /// Writes the message in the caller's transaction.
    public func add(_ letter: Letter, on connection: PostgresConnection) async throws -> Queued {
        let taskID = TaskEnvelope.newID()
        let id = try await table.insert(
            EmailTable.NewEmail(
                recipient: letter.recipient,
                recipientName: String(letter.recipientName.prefix(200)),
                template: letter.template,
                organizationID: letter.organizationID,
                userID: letter.userID,
                context: letter.context,
                tokenCiphertext: try letter.token.map { try fernet.encrypt(Array($0.utf8)) },
                taskID: taskID
            ),
            on: connection
        )
        return Queued(id: id, taskID: taskID)
    }

    /// Publishes the deliveries of committed messages. A failure is logged and left to the reconciler.
    public func publish(_ queued: [Queued]) async {
        for message in queued {
            await cycle.publish(message.id) { try await dispatch(message.id, message.taskID) }
        }
    }

    /// Publishes PENDING messages older than `grace` whose delivery message is not in the queue any
    /// more (Redis was down, or lost it); returns how many. A message whose delivery waits for a
    /// retry is live and left alone, so the reconciler never doubles a delivery in progress.
    @discardableResult
    public func reconcile(grace: Duration = .seconds(120), now: Date = Date()) async throws -> Int {
        try await cycle.reconcile(
            requeueStuck: { [] },
            lost: {
                let candidates = try await postgres.withConnection { connection in
                    try await table.waiting(since: now.addingTimeInterval(-grace.seconds), on: connection)
                }
                guard !candidates.isEmpty else { return [] }
                let live = try await liveTasks(candidates.compactMap(\.taskID))
                return candidates.filter { candidate in candidate.taskID.map { !live.contains($0) } ?? true }.map(\.id)
            },
            publish: { id in
                await cycle.publish(id) {
                    let taskID = TaskEnvelope.newID()
                    try await dispatch(id, taskID)
                    try await postgres.withConnection { connection in try await table.republished(id, taskID: taskID, on: connection) }
                }
            }
        )
    }
}
