import Foundation

extension FakeSMTPServer.Message {
    /// The first header called `name` (any case), unfolded and trimmed; encoded words as sent.
    public func header(_ name: String) -> String? {
        MIMEEntity(message: data).header(name)
    }

    /// The Subject header with RFC 2047 encoded words decoded.
    public var subject: String? {
        header("Subject").map(MIME.decodingEncodedWords)
    }

    /// The decoded text/plain part that is not an attachment (for a single-part text/plain
    /// message, its body), line ends as "\n".
    public var plainText: String? {
        MIMEEntity(message: data).firstText(subtype: "plain")
    }

    /// The decoded text/html part that is not an attachment, line ends as "\n".
    public var html: String? {
        MIMEEntity(message: data).firstText(subtype: "html")
    }

    /// Every http:// or https:// URL in the plain text part, in order, without trailing
    /// punctuation.
    public func links() -> [String] {
        plainText.map(MIME.links(in:)) ?? []
    }
}

/// A MIME entity: headers, and body lines without their line ends.
private struct MIMEEntity {
    var headers: [(name: String, value: String)] = []
    var body: ArraySlice<[UInt8]> = []

    init(message: String) {
        let bytes = Array(message.utf8)
        var lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false).map { line in
            line.last == 0x0D ? Array(line.dropLast()) : Array(line)
        }
        if bytes.last == 0x0A { lines.removeLast() }
        self.init(lines: lines[...])
    }

    init(lines: ArraySlice<[UInt8]>) {
        var index = lines.startIndex
        while index < lines.endIndex {
            let line = lines[index]
            index += 1
            if line.isEmpty { break }
            if line.first == 0x20 || line.first == 0x09, !headers.isEmpty {
                // Unfolding (RFC 5322 2.2.3) removes only the line break.
                headers[headers.count - 1].value += String(decoding: line, as: UTF8.self)
            } else if let colon = line.firstIndex(of: 0x3A) {
                headers.append(
                    (name: String(decoding: line[..<colon], as: UTF8.self), value: String(decoding: line[(colon + 1)...], as: UTF8.self))
                )
            }
        }
        body = lines[index...]
    }

    func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        let found = headers.first { $0.name.trimmingCharacters(in: .whitespaces).lowercased() == wanted }
        return found.map { $0.value.trimmingCharacters(in: .whitespaces) }
    }

    func firstText(subtype: String) -> String? {
        let (type, parameters) = MIME.contentType(header("Content-Type") ?? "text/plain")
        if type.hasPrefix("multipart/") {
            guard let boundary = parameters["boundary"] else { return nil }
            for part in parts(boundary: boundary) {
                if let text = part.firstText(subtype: subtype) { return text }
            }
            return nil
        }
        let attachment = header("Content-Disposition")?.lowercased().hasPrefix("attachment") ?? false
        guard type == "text/\(subtype)", !attachment else { return nil }
        return decodedText(charset: parameters["charset"])
    }

    /// The body parts between `--boundary` lines; the line break before each delimiter belongs to
    /// the delimiter (RFC 2046 5.1.1), so no part ends with an empty line it did not have.
    private func parts(boundary: String) -> [MIMEEntity] {
        let delimiter = Array("--\(boundary)".utf8)
        var parts: [MIMEEntity] = []
        var start: Int?
        for index in body.indices {
            let line = MIME.trimmingTrailingWhitespace(body[index])
            guard line.starts(with: delimiter) else { continue }
            let rest = line.dropFirst(delimiter.count)
            guard rest.isEmpty || rest.elementsEqual([0x2D, 0x2D]) else { continue }
            if let start { parts.append(MIMEEntity(lines: body[start..<index])) }
            if !rest.isEmpty { return parts }
            start = index + 1
        }
        if let start { parts.append(MIMEEntity(lines: body[start...])) }
        return parts
    }

    private func decodedText(charset: String?) -> String {
        let bytes: [UInt8]
        switch header("Content-Transfer-Encoding")?.lowercased() ?? "7bit" {
        case "quoted-printable":
            bytes = MIME.decodingQuotedPrintable(body)
        case "base64":
            let encoded = Data(body.joined())
            let decoded = Data(base64Encoded: encoded, options: .ignoreUnknownCharacters).map { Array($0) } ?? []
            bytes = MIME.removingCarriageReturns(decoded)
        default:
            bytes = Array(body.joined(separator: [0x0A]))
        }
        return MIME.string(bytes, charset: charset)
    }
}

private enum MIME {
    /// The lower-cased `type/subtype` and the parameters (names lower-cased, quotes removed).
    static func contentType(_ value: String) -> (String, [String: String]) {
        var fields: [String] = []
        var current = ""
        var quoted = false
        for character in value {
            if character == "\"" { quoted.toggle() }
            if character == ";" && !quoted {
                fields.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        fields.append(current)
        var parameters: [String: String] = [:]
        for field in fields.dropFirst() {
            guard let equals = field.firstIndex(of: "=") else { continue }
            let name = field[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            var value = field[field.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2 && value.hasPrefix("\"") && value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
            parameters[name] = value
        }
        return (fields[0].trimmingCharacters(in: .whitespaces).lowercased(), parameters)
    }

    static func decodingQuotedPrintable(_ lines: ArraySlice<[UInt8]>) -> [UInt8] {
        var result: [UInt8] = []
        for (position, raw) in lines.enumerated() {
            var line = trimmingTrailingWhitespace(raw)
            let soft = line.last == 0x3D
            if soft { line = line.dropLast() }
            var index = line.startIndex
            while index < line.endIndex {
                if line[index] == 0x3D, index + 2 < line.endIndex, let high = hexValue(line[index + 1]),
                    let low = hexValue(line[index + 2])
                {
                    result.append(high << 4 | low)
                    index += 3
                } else {
                    result.append(line[index])
                    index += 1
                }
            }
            if !soft && position < lines.count - 1 { result.append(0x0A) }
        }
        return result
    }

    static func removingCarriageReturns(_ bytes: [UInt8]) -> [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(bytes.count)
        for (index, byte) in bytes.enumerated() where !(byte == 0x0D && index + 1 < bytes.count && bytes[index + 1] == 0x0A) {
            result.append(byte)
        }
        return result
    }

    static func trimmingTrailingWhitespace(_ line: [UInt8]) -> ArraySlice<UInt8> {
        var trimmed = line[...]
        while trimmed.last == 0x20 || trimmed.last == 0x09 { trimmed = trimmed.dropLast() }
        return trimmed
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: return byte - 0x30
        case 0x41...0x46: return byte - 0x37
        case 0x61...0x66: return byte - 0x57
        default: return nil
        }
    }

    /// UTF-8 unless the charset is Latin-1; anything else is read as UTF-8 too.
    static func string(_ bytes: [UInt8], charset: String?) -> String {
        guard let charset, ["iso-8859-1", "iso_8859-1", "latin1"].contains(charset.lowercased()) else {
            return String(decoding: bytes, as: UTF8.self)
        }
        var text = ""
        text.unicodeScalars.append(contentsOf: bytes.map { Unicode.Scalar($0) })
        return text
    }

    /// Decodes RFC 2047 `=?charset?B|Q?text?=` words; whitespace between two words is dropped.
    static func decodingEncodedWords(_ value: String) -> String {
        var result = ""
        var rest = Substring(value)
        var afterWord = false
        while let open = rest.range(of: "=?") {
            let literal = rest[..<open.lowerBound]
            guard let word = encodedWord(rest[open.upperBound...]) else {
                result += String(rest[..<open.upperBound])
                rest = rest[open.upperBound...]
                afterWord = false
                continue
            }
            if !(afterWord && literal.allSatisfy(\.isWhitespace)) { result += String(literal) }
            result += word.text
            rest = word.rest
            afterWord = true
        }
        return result + String(rest)
    }

    /// `word` starts after the `=?`.
    private static func encodedWord(_ word: Substring) -> (text: String, rest: Substring)? {
        guard let question = word.firstIndex(of: "?") else { return nil }
        let charset = word[..<question].split(separator: "*").first.map(String.init)
        let tail = word[word.index(after: question)...]
        guard let encoding = tail.first, tail.dropFirst().first == "?" else { return nil }
        let payloadStart = tail.index(tail.startIndex, offsetBy: 2)
        guard let close = word[payloadStart...].range(of: "?=") else { return nil }
        let payload = word[payloadStart..<close.lowerBound]
        let bytes: [UInt8]
        switch encoding {
        case "B", "b":
            var padded = String(payload)
            while padded.utf8.count % 4 != 0 { padded += "=" }
            guard let data = Data(base64Encoded: padded) else { return nil }
            bytes = Array(data)
        case "Q", "q":
            let raw = Array(payload.utf8)
            var decoded: [UInt8] = []
            var index = 0
            while index < raw.count {
                if raw[index] == 0x3D, index + 2 < raw.count, let high = hexValue(raw[index + 1]), let low = hexValue(raw[index + 2]) {
                    decoded.append(high << 4 | low)
                    index += 3
                } else {
                    decoded.append(raw[index] == 0x5F ? 0x20 : raw[index])
                    index += 1
                }
            }
            bytes = decoded
        default:
            return nil
        }
        return (string(bytes, charset: charset), word[close.upperBound...])
    }

    static func links(in text: String) -> [String] {
        var links: [String] = []
        var rest = Substring(text)
        while let found = rest.range(of: "http") {
            let candidate = rest[found.lowerBound...]
            guard candidate.hasPrefix("http://") || candidate.hasPrefix("https://") else {
                rest = rest[found.upperBound...]
                continue
            }
            var link = candidate.prefix { !$0.isWhitespace && !"<>\"'".contains($0) }
            while let last = link.last, ".,;:!?)]}".contains(last) { link = link.dropLast() }
            links.append(String(link))
            rest = candidate[link.endIndex...]
        }
        return links
    }
}
