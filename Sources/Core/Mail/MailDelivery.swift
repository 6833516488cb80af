import Foundation
import Logging
import PostgresNIO

/// The worker's side of the outbox (`emails.send`): renders a PENDING row and hands it to the
/// transport while holding the row's lock, so a duplicate message waits for this delivery instead of
/// sending the same mail alongside it. Delivery is at least once: a worker that dies after the
/// server accepted the message but before the row says SENT leaves it PENDING, and its redelivered
/// message sends it again (docs/OPERATIONS.md).
public struct MailDelivery: Sendable {
    let postgres: PostgresClient
    let transport: any MailTransport
    let settings: MailSettings
    let fernet: Fernet
    let logger: Logger

    var table: EmailTable { EmailTable(logger: logger) }

    public init(postgres: PostgresClient, transport: any MailTransport, settings: MailSettings, fernet: Fernet, logger: Logger) {
        self.postgres = postgres
        self.transport = transport
        self.settings = settings
        self.fernet = fernet
        self.logger = logger
    }

    public enum Outcome: Sendable, Equatable {
        case sent
        /// Refused for good (a 5xx for the recipient, an address that cannot be mailed): FAILED.
        case failed(String)
        /// Worth another try later (a 4xx, the server unreachable): still PENDING, attempt counted.
        case retry(String)
        /// Sent or failed already, or gone: a duplicate message.
        case settled
        /// Another delivery of the same row is under way.
        case busy
    }

    public func deliver(_ id: UUID) async throws -> Outcome {
        try await postgres.transaction(logger: logger) { connection in
            let (email, busy) = try await table.lock(id, on: connection)
            if busy { return .busy }
            guard let email, email.status == .pending else { return .settled }
            let message: MailMessage
            do throws(Unrenderable) {
                message = try render(email)
            } catch {
                try await table.failed(id, error: error.reason, counting: true, on: connection)
                return .failed(error.reason)
            }
            do throws(MailDeliveryError) {
                try await transport.send(message)
            } catch .transient(let reason) {
                try await table.attemptFailed(id, error: reason, on: connection)
                return .retry(reason)
            } catch .permanent(let reason) {
                try await table.failed(id, error: reason, counting: true, on: connection)
                return .failed(reason)
            }
            try await table.sent(id, on: connection)
            return .sent
        }
    }

    /// Why a row cannot become a message at all.
    struct Unrenderable: Error {
        let reason: String
    }

    func render(_ email: Email) throws(Unrenderable) -> MailMessage {
        guard let to = MailAddress(address: email.recipient, name: email.recipientName) else {
            throw Unrenderable(reason: "the address \(email.recipient) cannot be mailed")
        }
        var link: String?
        if let path = email.template.linkPath {
            guard let ciphertext = email.tokenCiphertext,
                let token = try? String(decoding: fernet.decrypt(ciphertext), as: UTF8.self)
            else { throw Unrenderable(reason: "the message's token cannot be read (FERNET_KEYS changed?)") }
            var query = URLComponents()
            query.queryItems = [URLQueryItem(name: "token", value: token)]
            link = settings.appURL + path + (query.percentEncodedQuery.map { "?" + $0 } ?? "")
        }
        let content = email.template.content(email.context, link: link)
        return MailMessage(
            from: settings.from,
            to: to,
            subject: content.subject,
            plainText: content.plainText,
            html: content.html,
            listUnsubscribe: email.template.isAccountMail ? nil : "mailto:\(settings.from.address)?subject=unsubscribe",
            id: email.id
        )
    }

    /// The failure hook of `emails.send`: FAILED with the reason once the queue gave up.
    public static func markFailed(_ id: UUID, reason: String, postgres: PostgresClient, logger: Logger) async throws {
        try await postgres.withConnection { connection in
            try await EmailTable(logger: logger).failed(id, error: reason, counting: false, on: connection)
        }
    }
}
