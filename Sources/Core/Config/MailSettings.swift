import Foundation

/// Where and how AuditMate sends mail (`Mail/`). With `SMTP_URL`, through that server; without it,
/// in development only, every message is written as an `.eml` file under `EMAIL_FILE_DIR` so that
/// every flow can be followed locally. Production refuses to start without `SMTP_URL`.
public struct MailSettings: Sendable, Equatable {
    public enum Delivery: Sendable, Equatable {
        case smtp(SMTPServer)
        case files(directory: String)
    }

    /// A parsed `SMTP_URL`: `smtp://user:pass@host:587` (STARTTLS, required unless the host is
    /// loopback) or `smtps://host:465` (TLS from the first byte).
    public struct SMTPServer: Sendable, Equatable {
        /// The URL libcurl connects to, without the credentials.
        public let url: String
        public let username: String?
        public let password: String?
        /// STARTTLS must succeed before anything else is sent (`smtp://` to a host other than loopback).
        public let requiresTLS: Bool

        public init(url: String, username: String? = nil, password: String? = nil, requiresTLS: Bool) {
            self.url = url
            self.username = username
            self.password = password
            self.requiresTLS = requiresTLS
        }
    }

    public var delivery: Delivery
    /// `EMAIL_FROM`, e.g. `AuditMate <no-reply@example.com>`.
    public var from: MailAddress
    public var timeout: Duration
    /// `PUBLIC_APP_URL`: the web client's base, under which every link in a mail points.
    public var appURL: String

    public init(delivery: Delivery, from: MailAddress, timeout: Duration = .seconds(30), appURL: String) {
        self.delivery = delivery
        self.from = from
        self.timeout = timeout
        self.appURL = appURL
    }

    init(_ env: EnvironmentReader, production: Bool, publicURL: String?) throws(ConfigError) {
        let delivery: Delivery
        if let url = env.string("SMTP_URL") {
            delivery = .smtp(try Self.smtpServer(url: url))
        } else if production {
            throw ConfigError("SMTP_URL", "is required in production")
        } else {
            delivery = .files(directory: env.string("EMAIL_FILE_DIR", default: ".data/mail"))
        }
        let rawFrom = env.string("EMAIL_FROM", default: "AuditMate <no-reply@example.com>")
        guard let from = MailAddress(parsing: rawFrom) else {
            throw ConfigError("EMAIL_FROM", "must be an address, optionally with a name: AuditMate <no-reply@example.com>")
        }
        let appURL = env.string("PUBLIC_APP_URL") ?? publicURL ?? "http://127.0.0.1:8000"
        guard let components = URLComponents(string: appURL), ["http", "https"].contains(components.scheme ?? ""),
            components.host?.isEmpty == false
        else {
            throw ConfigError("PUBLIC_APP_URL", "must be an http(s) URL, got \"\(appURL)\"")
        }
        self.init(
            delivery: delivery,
            from: from,
            timeout: .seconds(try env.integer("SMTP_TIMEOUT_SECONDS", default: 30, in: 1...600)),
            appURL: appURL.hasSuffix("/") ? String(appURL.dropLast()) : appURL
        )
    }

    /// Parses an `SMTP_URL`.
    public static func smtpServer(url raw: String) throws(ConfigError) -> SMTPServer {
        guard let components = URLComponents(string: raw), let scheme = components.scheme?.lowercased(),
            ["smtp", "smtps"].contains(scheme), let host = components.host, !host.isEmpty
        else {
            throw ConfigError("SMTP_URL", "must be smtp://user:pass@host:587 or smtps://host:465")
        }
        guard components.path.isEmpty || components.path == "/", components.query == nil else {
            throw ConfigError("SMTP_URL", "takes no path or query")
        }
        let port = components.port ?? (scheme == "smtps" ? 465 : 587)
        let printedHost = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        return SMTPServer(
            url: "\(scheme)://\(printedHost):\(port)",
            username: components.user?.removingPercentEncoding,
            password: components.password?.removingPercentEncoding,
            requiresTLS: scheme == "smtp" && !HTTPSettings.isLoopback(host)
        )
    }
}
