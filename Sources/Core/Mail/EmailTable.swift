import Foundation
import Logging
import PostgresNIO

/// One row of the outbox.
struct Email: Sendable {
    enum Status: String, Sendable {
        case pending = "PENDING"
        case sent = "SENT"
        case failed = "FAILED"
    }

    let id: UUID
    let recipient: String
    let recipientName: String
    let template: MailTemplate
    let context: [String: String]
    let tokenCiphertext: String?
    let status: Status
    let attempts: Int
}

/// Every statement on `emails` (migration 0015): the outbox writes rows, the worker's delivery
/// locks and settles them, the reconciler finds the ones whose message was lost.
struct EmailTable: Sendable {
    let logger: Logger

    static let columns = "id, recipient, recipient_name, template, context::text, token_ciphertext, status, attempts"

    struct NewEmail: Sendable {
        let recipient: String
        let recipientName: String
        let template: MailTemplate
        let organizationID: UUID?
        let userID: UUID?
        let context: [String: String]
        let tokenCiphertext: String?
        /// The id of the `emails.send` message published after the commit.
        let taskID: String
    }

    func insert(_ new: NewEmail, on connection: PostgresConnection) async throws -> UUID {
        let context = String(decoding: try JSONEncoder().encode(new.context), as: UTF8.self)
        let rows = try await connection.query(
            """
            INSERT INTO emails (recipient, recipient_name, template, organization_id, user_id, context, token_ciphertext, task_id, enqueued_at)
            VALUES (\(new.recipient), \(new.recipientName), \(new.template.rawValue), \(new.organizationID), \(new.userID),
                    \(context)::jsonb, \(new.tokenCiphertext), \(new.taskID), now())
            RETURNING id
            """,
            logger: logger
        )
        for try await id in rows.decode(UUID.self) { return id }
        throw PostgresDecodingError.Code.missingData
    }

    /// The row, locked for this transaction; nil when it does not exist. `busy` when another
    /// delivery holds it (a duplicate message): that one decides.
    func lock(_ id: UUID, on connection: PostgresConnection) async throws -> (email: Email?, busy: Bool) {
        let rows = try await connection.query(
            "SELECT \(unescaped: Self.columns) FROM emails WHERE id = \(id) FOR UPDATE SKIP LOCKED",
            logger: logger
        )
        for try await row in rows.decode((UUID, String, String, String, String, String?, String, Int).self) {
            guard let template = MailTemplate(rawValue: row.3), let status = Email.Status(rawValue: row.6) else { return (nil, false) }
            let context = (try? JSONDecoder().decode([String: String].self, from: Data(row.4.utf8))) ?? [:]
            return (
                Email(
                    id: row.0,
                    recipient: row.1,
                    recipientName: row.2,
                    template: template,
                    context: context,
                    tokenCiphertext: row.5,
                    status: status,
                    attempts: row.7
                ), false
            )
        }
        let exists = try await connection.count("SELECT count(*) FROM emails WHERE id = \(id)", logger: logger)
        return (nil, exists > 0)
    }

    /// The encrypted tokens of unsent messages, locked for `rotate-secrets`.
    func lockTokenCiphertexts(on connection: PostgresConnection) async throws -> [(id: UUID, ciphertext: String)] {
        let rows = try await connection.query(
            "SELECT id, token_ciphertext FROM emails WHERE token_ciphertext IS NOT NULL FOR UPDATE",
            logger: logger
        )
        var found: [(id: UUID, ciphertext: String)] = []
        for try await (id, ciphertext) in rows.decode((UUID, String).self) { found.append((id, ciphertext)) }
        return found
    }

    func replaceTokenCiphertext(of id: UUID, with ciphertext: String, on connection: PostgresConnection) async throws {
        try await connection.query("UPDATE emails SET token_ciphertext = \(ciphertext) WHERE id = \(id)", logger: logger)
    }

    /// SENT: the server took it. The token is no longer needed, so it is gone.
    func sent(_ id: UUID, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            UPDATE emails SET status = 'SENT', sent_at = now(), attempts = attempts + 1, token_ciphertext = NULL, last_error = NULL
            WHERE id = \(id)
            """,
            logger: logger
        )
    }

    /// Still PENDING after a failure the queue retries.
    func attemptFailed(_ id: UUID, error: String, on connection: PostgresConnection) async throws {
        try await connection.query(
            "UPDATE emails SET attempts = attempts + 1, last_error = \(String(error.prefix(1000))) WHERE id = \(id)",
            logger: logger
        )
    }

    /// FAILED for good; its token is cleared like a sent one's. `counting` adds the attempt that failed.
    func failed(_ id: UUID, error: String, counting: Bool, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            UPDATE emails SET status = 'FAILED', attempts = attempts + \(counting ? 1 : 0), last_error = \(String(error.prefix(1000))),
                              token_ciphertext = NULL
            WHERE id = \(id) AND status = 'PENDING'
            """,
            logger: logger
        )
    }

    /// PENDING rows published (or written) before `cutoff`, with their message's task id.
    func waiting(since cutoff: Date, on connection: PostgresConnection) async throws -> [(id: UUID, taskID: String?)] {
        let rows = try await connection.query(
            """
            SELECT id, task_id FROM emails
            WHERE status = 'PENDING' AND coalesce(enqueued_at, created_at) <= \(cutoff)
            ORDER BY created_at LIMIT 500
            """,
            logger: logger
        )
        var found: [(UUID, String?)] = []
        for try await (id, taskID) in rows.decode((UUID, String?).self) { found.append((id, taskID)) }
        return found
    }

    func republished(_ id: UUID, taskID: String, on connection: PostgresConnection) async throws {
        try await connection.query(
            "UPDATE emails SET task_id = \(taskID), enqueued_at = now() WHERE id = \(id) AND status = 'PENDING'",
            logger: logger
        )
    }

    /// How many messages of `template` the user was sent (or is being sent) since `since`.
    func count(userID: UUID, template: MailTemplate, since: Date, on connection: PostgresConnection) async throws -> Int {
        try await connection.count(
            "SELECT count(*) FROM emails WHERE user_id = \(userID) AND template = \(template.rawValue) AND created_at > \(since)",
            logger: logger
        )
    }
}
