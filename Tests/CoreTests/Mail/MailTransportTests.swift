import Core
import Foundation
import Logging
import TestSupport
import Testing

/// Messages through libcurl to a real (local) SMTP server, and the file fallback of development.
@Suite("Mail transport")
struct MailTransportTests {
    let from = MailAddress(address: "no-reply@example.com", name: "AuditMate")!

    func message(to address: String = "dana@example.com", name: String? = "Dana Example", subject: String = "Verify your address")
        -> MailMessage
    {
        MailMessage(
            from: from,
            to: MailAddress(address: address, name: name)!,
            subject: subject,
            plainText: "Hello Dana,\n\nOpen http://127.0.0.1:8000/verify-email?token=abc to verify.\n.\nA line with a dot.",
            html: "<p>Hello Dana,</p><p><a href=\"http://127.0.0.1:8000/verify-email?token=abc\">Verify</a></p>"
        )
    }

    func transport(_ server: FakeSMTPServer) throws -> SMTPTransport {
        let settings = try MailSettings.smtpServer(url: "smtp://mailer:s3cret@127.0.0.1:\(server.port)")
        return SMTPTransport(server: settings, timeout: .seconds(10))
    }

    @Test func aMessageArrivesWithBothPartsItsLinkAndTheLogin() async throws {
        let server = try FakeSMTPServer()
        defer { server.shutdown() }
        try await transport(server).send(message())
        let received = try #require(try await server.waitForMessages(count: 1).first)
        #expect(received.from == "no-reply@example.com")
        #expect(received.recipients == ["dana@example.com"])
        #expect(received.username == "mailer")
        #expect(received.subject == "Verify your address")
        #expect(received.header("From") == "\"AuditMate\" <no-reply@example.com>")
        #expect(received.header("To") == "\"Dana Example\" <dana@example.com>")
        #expect(received.plainText?.contains("\n.\nA line with a dot.") == true, "dot-stuffing is undone")
        #expect(received.html?.contains("<a href=") == true)
        #expect(received.links() == ["http://127.0.0.1:8000/verify-email?token=abc"])
    }

    @Test func aLineBreakInANameOrSubjectCannotAddAHeader() async throws {
        let server = try FakeSMTPServer()
        defer { server.shutdown() }
        let hostile = message(name: "Eve\r\nBcc: victim@example.com", subject: "Hi\r\nBcc: victim@example.com\n\nbody")
        try await transport(server).send(hostile)
        let received = try #require(try await server.waitForMessages(count: 1).first)
        #expect(received.header("Bcc") == nil)
        #expect(received.recipients == ["dana@example.com"])
        #expect(received.header("To") == "\"Eve Bcc: victim@example.com\" <dana@example.com>")
        #expect(received.subject == "Hi Bcc: victim@example.com body")
        #expect(MailAddress(address: "dana@example.com\r\nBcc: victim@example.com") == nil)
        #expect(MailAddress(address: "<dana@example.com>") == nil)
        #expect(MailAddress(address: "dana@example.com>, victim@example.com") == nil)
    }

    @Test func aNameOutsideASCIIIsAnEncodedWord() async throws {
        let server = try FakeSMTPServer()
        defer { server.shutdown() }
        try await transport(server).send(message(name: "Zoë Ångström", subject: "Vérifiez votre adresse"))
        let received = try #require(try await server.waitForMessages(count: 1).first)
        #expect(received.subject == "Vérifiez votre adresse")
        #expect(received.header("To")?.hasPrefix("=?UTF-8?B?") == true)
    }

    @Test func a4xxIsTransientAnd5xxForTheRecipientIsPermanent() async throws {
        let server = try FakeSMTPServer()
        defer { server.shutdown() }
        let smtp = try transport(server)
        server.reply(toNext: 1, withCode: 451, message: "try again later")
        await #expect(throws: MailDeliveryError.self) { try await smtp.send(message()) }
        do {
            try await smtp.send(message())
        } catch {
            Issue.record("the second try should pass: \(error)")
        }
        server.reply(toNext: 1, withCode: 451, message: "try again later")
        let transient = await Self.failure(of: smtp, message())
        guard case .transient(let reason) = transient else {
            Issue.record("\(String(describing: transient))")
            return
        }
        #expect(reason.contains("451"))

        server.reject(recipient: "gone@example.com", code: 550, message: "no such user")
        let permanent = await Self.failure(of: smtp, message(to: "gone@example.com"))
        guard case .permanent(let why) = permanent else {
            Issue.record("\(String(describing: permanent))")
            return
        }
        #expect(why.contains("550"))
        #expect(try await server.waitForMessages(count: 1).count == 1, "only the accepted message was stored")
    }

    @Test func anUnreachableServerIsTransient() async throws {
        let port = try freeLoopbackPort()
        let smtp = SMTPTransport(server: try MailSettings.smtpServer(url: "smtp://127.0.0.1:\(port)"), timeout: .seconds(5))
        let failure = await Self.failure(of: smtp, message())
        guard case .transient = failure else {
            Issue.record("\(String(describing: failure))")
            return
        }
    }

    @Test func withoutSMTPDevelopmentWritesAnEmlFile() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mail-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try await FileMailTransport(directory: folder.path, logger: Logger(label: "tests.mail")).send(message())
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        #expect(files.count == 1)
        #expect(files.first?.hasSuffix(".eml") == true)
        let text = try String(contentsOf: folder.appendingPathComponent(files[0]), encoding: .utf8)
        #expect(text.contains("Subject: Verify your address\r\n"))
        #expect(text.contains("Content-Type: multipart/alternative"))
    }

    @Test func settingsRequireTLSAwayFromLoopbackAndSMTPInProduction() throws {
        #expect(try MailSettings.smtpServer(url: "smtp://u:p@mail.example.com:587").requiresTLS)
        #expect(try !MailSettings.smtpServer(url: "smtp://127.0.0.1:2525").requiresTLS)
        #expect(try !MailSettings.smtpServer(url: "smtps://mail.example.com").requiresTLS, "TLS from the first byte")
        #expect(try MailSettings.smtpServer(url: "smtps://mail.example.com").url == "smtps://mail.example.com:465")
        #expect(throws: ConfigError.self) { try MailSettings.smtpServer(url: "http://mail.example.com") }
        #expect(throws: ConfigError.self) { try MailSettings.smtpServer(url: "smtp://mail.example.com/path") }
        let development = try AppConfig(environment: [:]).mail
        #expect(development.delivery == .files(directory: ".data/mail"))
        #expect(development.from == MailAddress(address: "no-reply@example.com", name: "AuditMate"))
    }

    static func failure(of transport: SMTPTransport, _ message: MailMessage) async -> MailDeliveryError? {
        do {
            try await transport.send(message)
            return nil
        } catch {
            return error
        }
    }
}
