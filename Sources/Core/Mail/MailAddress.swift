import Foundation

/// An address a message can be sent to or from, with an optional display name. Header injection is
/// impossible by construction: the address admits no character that could end a header or an SMTP
/// command (`isMailable`), and the name loses every control character before it is quoted or
/// encoded (`header`), so nothing a user typed can start a line of its own.
public struct MailAddress: Sendable, Equatable {
    /// The bare address, e.g. `new.hire@corp.com`.
    public let address: String
    /// The display name, with control characters (CR, LF, tabs, Unicode line separators) turned
    /// into spaces.
    public let name: String?

    /// Nil when `address` is not something this product mails (`isMailable`).
    public init?(address: String, name: String? = nil) {
        let trimmed = address.trimmingCharacters(in: .whitespaces)
        guard Self.isMailable(trimmed) else { return nil }
        self.address = trimmed
        let cleaned = name.map(Self.cleanedName) ?? ""
        self.name = cleaned.isEmpty ? nil : cleaned
    }

    /// `Name <address>` or a bare address (`EMAIL_FROM`).
    public init?(parsing text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.hasSuffix(">"), let open = trimmed.lastIndex(of: "<") {
            var name = String(trimmed[..<open]).trimmingCharacters(in: .whitespaces)
            if name.count >= 2, name.hasPrefix("\""), name.hasSuffix("\"") { name = String(name.dropFirst().dropLast()) }
            self.init(address: String(trimmed[trimmed.index(after: open)..<trimmed.index(before: trimmed.endIndex)]), name: name)
        } else {
            self.init(address: trimmed)
        }
    }

    /// The `From:`/`To:` header value: the name as a quoted string when it is ASCII, as an RFC 2047
    /// encoded word otherwise.
    public var header: String {
        guard let name else { return address }
        if name.unicodeScalars.allSatisfy({ $0.isASCII }) {
            let escaped = name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            return "\"\(escaped)\" <\(address)>"
        }
        return "\(MailHeaderText.encodedWord(name)) <\(address)>"
    }

    /// An ASCII address of at most 254 characters with one `@`, a dot-atom local part and a domain of
    /// letters, digits, hyphens and dots. Stricter than RFC 5321 on purpose: quoted local parts and
    /// address literals are legal but never needed here, and every character they would admit
    /// (spaces, quotes, angle brackets, CR, LF) is one an attacker would want.
    static func isMailable(_ address: String) -> Bool {
        guard (3...254).contains(address.utf8.count) else { return false }
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, let local = parts.first, let domain = parts.last, (1...64).contains(local.utf8.count) else { return false }
        let localAllowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-/=?^_`{|}~.".utf8)
        guard local.utf8.allSatisfy(localAllowed.contains), !local.hasPrefix("."), !local.hasSuffix("."), !local.contains("..")
        else { return false }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        let labelAllowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-".utf8)
        return labels.count >= 2
            && labels.allSatisfy { label in
                (1...63).contains(label.utf8.count) && label.utf8.allSatisfy(labelAllowed.contains) && !label.hasPrefix("-")
                    && !label.hasSuffix("-")
            }
    }

    /// Control characters become spaces, runs of spaces one space; at most 200 characters.
    static func cleanedName(_ name: String) -> String {
        var scalars = String.UnicodeScalarView()
        for scalar in name.unicodeScalars {
            let control =
                scalar.properties.generalCategory == .control || scalar.properties.generalCategory == .lineSeparator
                || scalar.properties.generalCategory == .paragraphSeparator || scalar.properties.generalCategory == .format
            scalars.append(control ? " " : scalar)
        }
        let words = String(scalars).split(separator: " ", omittingEmptySubsequences: true)
        return String(words.joined(separator: " ").prefix(200))
    }
}
