import Core
import Foundation
import Logging
import PostgresNIO
import TestSupport

/// The API and a real `AuditWorker` consuming `emails`, both sending through a local SMTP server:
/// tests read the link out of the received message and complete the flow through the API.
struct MailBed: Sendable {
    let api: APIClient
    let config: AppConfig
    let smtp: FakeSMTPServer
    let queue: QueueTestKit
    let workerEnvironment: [String: String]

    static let appURL = "http://app.example.test"

    static func run<Value: Sendable>(
        worker: Bool = true,
        visibilityTimeout: Int = 60,
        _ body: @Sendable (MailBed) async throws -> Value
    ) async throws -> Value {
        let smtp = try FakeSMTPServer()
        defer { smtp.shutdown() }
        return try await TestDatabase.withMigrated { database in
            try await withQueueTestKit(database: database, visibilityTimeout: visibilityTimeout) { queue in
                let environment = [
                    "QUEUE_KEY_PREFIX": queue.prefix, "SMTP_URL": smtp.url, "PUBLIC_APP_URL": appURL,
                    "EMAIL_FROM": "AuditMate <no-reply@auditmate.test>", "TRUSTED_PROXIES": "127.0.0.1/8,::1",
                ]
                let workerEnvironment = queue.environment.merging(environment) { _, new in new }
                let process = worker ? try await startWorker(environment: workerEnvironment, queue: queue) : nil
                return try await withCleanup {
                    try await withAPI(extra: environment, database: database) { client, config in
                        try await body(
                            MailBed(api: APIClient(client), config: config, smtp: smtp, queue: queue, workerEnvironment: workerEnvironment)
                        )
                    }
                } cleanup: {
                    await process?.terminate()
                }
            }
        }
    }

    /// A real `AuditWorker` consuming `emails`, once it is consuming.
    static func startWorker(environment: [String: String], queue: QueueTestKit) async throws -> ChildProcess {
        try await AuditTestBed.startWorker(environment: environment, queue: queue, queues: "emails")
    }

    /// The token of the first link in `message` that opens `path` under the app's URL.
    static func token(in message: FakeSMTPServer.Message, path: String) throws -> String {
        for link in message.links() where link.hasPrefix(appURL + path) {
            if let token = URLComponents(string: link)?.queryItems?.first(where: { $0.name == "token" })?.value { return token }
        }
        throw TestFailure("no \(path) link in: \(message.plainText ?? message.data)")
    }

    /// One outbox row as a test reads it.
    struct Row: Sendable {
        let template: String
        let status: String
        let attempts: Int
        let token: Bool
        let lastError: String?
    }

    /// The outbox rows of `address`, oldest first.
    func outbox(_ address: String) async throws -> [Row] {
        try await TestDatabase.withConnection(config.database) { connection in
            let rows = try await connection.query(
                """
                SELECT template, status, attempts, token_ciphertext IS NOT NULL, last_error FROM emails
                WHERE recipient = \(address) ORDER BY created_at
                """,
                logger: Logger(label: "tests.mail")
            )
            var found: [Row] = []
            for try await row in rows.decode((String, String, Int, Bool, String?).self) {
                found.append(Row(template: row.0, status: row.1, attempts: row.2, token: row.3, lastError: row.4))
            }
            return found
        }
    }
}
