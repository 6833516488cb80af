import Foundation
import Logging

/// Delivers one message: through an SMTP server (`SMTPTransport`) or, in development without
/// `SMTP_URL`, into a folder of `.eml` files (`FileMailTransport`).
public protocol MailTransport: Sendable {
    func send(_ message: MailMessage) async throws(MailDeliveryError)
}

/// Why a message was not delivered, and whether trying again can help.
public enum MailDeliveryError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A 4xx reply, a connection or TLS failure, a timeout: the queue retries.
    case transient(String)
    /// A 5xx reply for this message or recipient, or an address that cannot be mailed: retrying
    /// sends the same thing to the same refusal.
    case permanent(String)

    public var description: String {
        switch self {
        case .transient(let reason): "transient: \(reason)"
        case .permanent(let reason): "permanent: \(reason)"
        }
    }
}

extension MailSettings {
    /// The transport these settings describe.
    public func transport(logger: Logger) -> any MailTransport {
        switch delivery {
        case .smtp(let server): SMTPTransport(server: server, timeout: timeout)
        case .files(let directory): FileMailTransport(directory: directory, logger: logger)
        }
    }
}

/// Development delivery: each message becomes `<directory>/<time>-<id>.eml`, and its subject and
/// links are logged, so a newcomer can follow every flow (verify, reset, invitation) with no mail
/// server. Production refuses to start without `SMTP_URL` (`MailSettings`), so this never runs there.
public struct FileMailTransport: MailTransport {
    let directory: String
    let logger: Logger

    public init(directory: String, logger: Logger) {
        self.directory = directory
        self.logger = logger
    }

    public func send(_ message: MailMessage) async throws(MailDeliveryError) {
        let folder = URL(fileURLWithPath: directory, isDirectory: true)
        let stamp = String(Int(message.date.timeIntervalSince1970 * 1000))
        let name = "\(stamp)-\(message.messageID.dropFirst().prefix(36)).eml"
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try Data(message.rendered()).write(to: folder.appendingPathComponent(name), options: .atomic)
        } catch {
            throw .transient("could not write \(name) in \(directory): \(error)")
        }
        logger.notice(
            "mail written to a file (no SMTP_URL)",
            metadata: [
                "to": "\(message.to.address)", "subject": "\(message.subject)", "file": "\(folder.appendingPathComponent(name).path)",
                "links": "\(Self.links(in: message.plainText))",
            ]
        )
    }

    /// The http(s) URLs in a text, in order.
    static func links(in text: String) -> [String] {
        text.split(whereSeparator: { $0.isWhitespace }).filter { $0.hasPrefix("https://") || $0.hasPrefix("http://") }.map(String.init)
    }
}
