import Foundation

/// Free text for a header (a subject): control characters are gone before it is stored, so it can
/// never end its header line, and text that is not plain ASCII is sent as RFC 2047 encoded words.
struct MailHeaderText: Sendable, Equatable {
    let text: String

    init(_ text: String) {
        self.text = MailAddress.cleanedName(text)
    }

    /// The header value as it is written: the text itself when it is printable ASCII, otherwise
    /// encoded words separated by folding whitespace.
    var encoded: String {
        if text.utf8.allSatisfy({ (0x20...0x7E).contains($0) }) { return text }
        return Self.encodedWord(text)
    }

    /// `=?UTF-8?B?...?=` words of at most 75 characters (RFC 2047 §2), never splitting a character
    /// between two words, joined by CRLF and a space (folding whitespace, which the reader drops).
    static func encodedWord(_ text: String) -> String {
        var words: [String] = []
        var chunk: [UInt8] = []
        // 45 bytes of UTF-8 are 60 characters of base64; with the 12 of `=?UTF-8?B?` and `?=` a
        // word stays within 75.
        for character in text {
            let bytes = Array(String(character).utf8)
            if chunk.count + bytes.count > 45, !chunk.isEmpty {
                words.append("=?UTF-8?B?\(Data(chunk).base64EncodedString())?=")
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty { words.append("=?UTF-8?B?\(Data(chunk).base64EncodedString())?=") }
        return words.joined(separator: "\r\n ")
    }
}
