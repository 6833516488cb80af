import Foundation

/// One message as it goes on the wire: RFC 5322 headers and a MIME `multipart/alternative` body
/// with a plain-text and an HTML part. Every header is written here from typed values
/// (`MailAddress`, `MailHeaderText`, a generated id), so no caller can add a line of its own.
public struct MailMessage: Sendable {
    public let from: MailAddress
    public let to: MailAddress
    public let subject: String
    public let plainText: String
    public let html: String
    /// The `List-Unsubscribe` target (a URL or `mailto:`) of mail that is not about the
    /// recipient's own account; nil on account mail.
    public let listUnsubscribe: String?
    public let messageID: String
    public let date: Date

    public init(
        from: MailAddress,
        to: MailAddress,
        subject: String,
        plainText: String,
        html: String,
        listUnsubscribe: String? = nil,
        id: UUID = UUID(),
        date: Date = Date()
    ) {
        self.from = from
        self.to = to
        self.subject = MailHeaderText(subject).text
        self.plainText = plainText
        self.html = html
        // A URL or mailto: with no character that could leave the angle brackets or the line.
        self.listUnsubscribe = listUnsubscribe.flatMap { target in
            target.utf8.allSatisfy { (0x21...0x7E).contains($0) && $0 != UInt8(ascii: "<") && $0 != UInt8(ascii: ">") } ? target : nil
        }
        let domain = from.address.split(separator: "@").last.map(String.init) ?? "auditmate.invalid"
        self.messageID = "<\(id.uuidString.lowercased())@\(domain)>"
        self.date = date
    }

    /// The whole message, CRLF line ends, ready for SMTP `DATA` or an `.eml` file.
    public func rendered() -> [UInt8] {
        let boundary = "auditmate-" + UUID().uuidString.lowercased()
        var lines = [
            "From: \(from.header)",
            "To: \(to.header)",
            "Subject: \(MailHeaderText(subject).encoded)",
            "Date: \(Self.dateHeader(date))",
            "Message-ID: \(messageID)",
            "MIME-Version: 1.0",
            "Auto-Submitted: auto-generated",
        ]
        if let listUnsubscribe { lines.append("List-Unsubscribe: <\(listUnsubscribe)>") }
        lines += [
            "Content-Type: multipart/alternative; boundary=\"\(boundary)\"",
            "",
            "--\(boundary)",
        ]
        lines += Self.part(type: "text/plain", plainText)
        lines.append("--\(boundary)")
        lines += Self.part(type: "text/html", html)
        lines += ["--\(boundary)--", ""]
        return Array(lines.joined(separator: "\r\n").utf8)
    }

    /// A UTF-8 part in base64 lines of 76 characters: no line can be too long or start with a dot,
    /// whatever the text holds.
    private static func part(type: String, _ text: String) -> [String] {
        let normalized = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n")
        let encoded = Data(normalized.utf8).base64EncodedString()
        var lines = ["Content-Type: \(type); charset=utf-8", "Content-Transfer-Encoding: base64", ""]
        var start = encoded.startIndex
        while start < encoded.endIndex {
            let end = encoded.index(start, offsetBy: 76, limitedBy: encoded.endIndex) ?? encoded.endIndex
            lines.append(String(encoded[start..<end]))
            start = end
        }
        return lines
    }

    /// RFC 5322 §3.3, in UTC: `Thu, 03 Dec 2026 08:18:03 +0000`.
    static func dateHeader(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? .current
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday], from: date)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int?) -> String { String(format: "%02d", value ?? 0) }
        return "\(days[((parts.weekday ?? 1) - 1) % 7]), \(two(parts.day)) \(months[((parts.month ?? 1) - 1) % 12]) \(parts.year ?? 1970) "
            + "\(two(parts.hour)):\(two(parts.minute)):\(two(parts.second)) +0000"
    }
}
