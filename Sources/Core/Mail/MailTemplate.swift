import Foundation

/// Every kind of message AuditMate sends, as the `emails.template` column names it.
public enum MailTemplate: String, Sendable, CaseIterable, Codable {
    case verifyEmail = "verify_email"
    case passwordReset = "password_reset"
    case invitation
    case passwordChanged = "password_changed"
    case emailChanged = "email_changed"
    case newLogin = "new_login"

    /// Mail about the recipient's own account (verification, reset, security notices) goes out
    /// whatever they chose; the rest names a way to stop it (`List-Unsubscribe`).
    var isAccountMail: Bool { self != .invitation }

    /// The web client's page (under `PUBLIC_APP_URL`) that the message's token opens, if it has one.
    var linkPath: String? {
        switch self {
        case .verifyEmail: "/verify-email/"
        case .passwordReset: "/reset-password/"
        case .invitation: "/invitations/accept/"
        case .passwordChanged, .emailChanged, .newLogin: nil
        }
    }
}

/// The words of one message, from which both the plain-text and the HTML part are written, so the
/// two never say different things.
struct MailContent: Equatable {
    var subject: String
    var paragraphs: [String]
    /// The button (HTML) or the bare link (plain text).
    var action: (label: String, url: String)?
    /// Why the recipient got this, and what to do if it was not them.
    var footer: String

    static func == (lhs: MailContent, rhs: MailContent) -> Bool {
        lhs.subject == rhs.subject && lhs.paragraphs == rhs.paragraphs && lhs.action?.label == rhs.action?.label
            && lhs.action?.url == rhs.action?.url && lhs.footer == rhs.footer
    }
}

extension MailTemplate {
    static let product = "AuditMate"

    /// The message for `context` (the row's values) and `link` (the token's URL, when the template
    /// has one). A missing value reads as a neutral word rather than failing the delivery.
    func content(_ context: [String: String], link: String?) -> MailContent {
        let product = Self.product
        let organization = context["organization"] ?? "your organization"
        let name = context["name"].flatMap { $0.isEmpty ? nil : $0 }
        let greeting = name.map { "Hello \($0)," } ?? "Hello,"
        let notYou = "If this was not you, you can ignore this message."
        switch self {
        case .verifyEmail:
            return MailContent(
                subject: "Verify your e-mail address for \(product)",
                paragraphs: [
                    greeting,
                    "Confirm that this address is yours to finish setting up your \(product) account. The link works once, for 48 hours.",
                ],
                action: link.map { ("Verify my address", $0) },
                footer:
                    "You get this message because this address was used to register with \(product) or to change an account's address. \(notYou)"
            )
        case .passwordReset:
            return MailContent(
                subject: "Reset your \(product) password",
                paragraphs: [
                    greeting,
                    "Someone asked to reset the password of your \(product) account. The link works once, for one hour; using it signs out every device.",
                ],
                action: link.map { ("Choose a new password", $0) },
                footer: "Your password stays as it is unless the link is used. \(notYou)"
            )
        case .invitation:
            let inviter = context["inviter"].flatMap { $0.isEmpty ? nil : $0 } ?? "An administrator"
            let role = context["role"] ?? "MEMBER"
            return MailContent(
                subject: "\(inviter) invited you to \(organization) on \(product)",
                paragraphs: [
                    "Hello,",
                    "\(inviter) invited you to join \(organization) on \(product) as \(role). Accepting proves you control this address.",
                ],
                action: link.map { ("Accept the invitation", $0) },
                footer:
                    "You get this message because someone at \(organization) entered this address. If you did not expect it, ignore it and nothing happens."
            )
        case .passwordChanged:
            return MailContent(
                subject: "Your \(product) password was changed",
                paragraphs: [greeting, "The password of your \(product) account was just changed, and every other device was signed out."],
                action: nil,
                footer: "If you did not change it, reset your password at once and tell your organization's administrator."
            )
        case .emailChanged:
            let newAddress = context["new_email"] ?? "a new address"
            return MailContent(
                subject: "The e-mail address of your \(product) account is changing",
                paragraphs: [
                    greeting,
                    "Your \(product) account's address is being changed to \(newAddress). It takes effect once that address is verified.",
                ],
                action: nil,
                footer: "If you did not ask for this, change your password and tell your organization's administrator."
            )
        case .newLogin:
            let ip = context["ip"] ?? "an unknown address"
            return MailContent(
                subject: "New sign-in to your \(product) account",
                paragraphs: [greeting, "Your \(product) account was signed in to from \(ip), an address it had not used before."],
                action: nil,
                footer: "If this was you, there is nothing to do. If not, reset your password and tell your organization's administrator."
            )
        }
    }
}

extension MailContent {
    var plainText: String {
        var blocks = paragraphs
        if let action { blocks.append("\(action.label):\n\(action.url)") }
        blocks.append("-- \n\(footer)")
        return blocks.joined(separator: "\n\n") + "\n"
    }

    /// A plain page with inline styles only (mail clients drop style sheets), every value escaped.
    var html: String {
        func escaped(_ text: String) -> String {
            var result = ""
            for character in text {
                switch character {
                case "&": result += "&amp;"
                case "<": result += "&lt;"
                case ">": result += "&gt;"
                case "\"": result += "&quot;"
                case "'": result += "&#39;"
                default: result.append(character)
                }
            }
            return result
        }
        var body = paragraphs.map { "<p style=\"margin:0 0 16px\">\(escaped($0))</p>" }
        if let action {
            body.append(
                "<p style=\"margin:24px 0\"><a href=\"\(escaped(action.url))\" "
                    + "style=\"background:#1f4fd1;color:#ffffff;padding:10px 18px;border-radius:4px;text-decoration:none\">"
                    + "\(escaped(action.label))</a></p>"
            )
            body.append("<p style=\"margin:0 0 16px;font-size:13px\">\(escaped(action.url))</p>")
        }
        body.append(
            "<hr style=\"border:none;border-top:1px solid #dddddd\"><p style=\"font-size:12px;color:#555555\">\(escaped(footer))</p>"
        )
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>\(escaped(subject))</title></head>
            <body style="font-family:sans-serif;color:#1a1a1a;max-width:560px;margin:0 auto;padding:24px">
            \(body.joined(separator: "\n"))
            </body></html>
            """
    }
}
