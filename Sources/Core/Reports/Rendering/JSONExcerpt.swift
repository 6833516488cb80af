/// Pretty-prints the start of a raw GitHub body for the evidence appendix, within line and size
/// limits. It never parses the whole document: it re-indents the text token by token, so a body the
/// database cut mid-value prints up to the cut, and a huge body costs no more than its excerpt.
struct JSONExcerpt: Equatable {
    /// The printed lines, joined by newlines.
    let text: String
    /// Characters of the body the printed text covers.
    let covered: Int
    /// Whether anything of the body is left out (cut by the database, or by a limit here).
    let truncated: Bool

    /// `body` is the start of a body of `length` characters in all.
    init(body: String, length: Int, limits: ReportLimits, budget: Int) {
        if body.hasPrefix("base64:") {
            self.text = "(binary body: \(ReportFormat.count(length - 7)) characters of base64, not printed)"
            self.covered = length
            self.truncated = false
            return
        }
        let bytes = Array(body.utf8)
        let first = bytes.first { !Self.isSpace($0) }
        var printer = Printer(
            maxLines: max(1, limits.lines),
            maxLineBytes: max(16, limits.lineCharacters),
            maxBytes: max(0, min(budget, limits.bodyCharacters * 4))
        )
        let consumed = (first == UInt8(ascii: "{") || first == UInt8(ascii: "[")) ? printer.json(bytes) : printer.plain(bytes)
        self.text = printer.finish()
        let coveredCharacters = bytes[..<consumed].reduce(0) { $0 + (($1 & 0xC0) == 0x80 ? 0 : 1) }
        self.covered = coveredCharacters
        // `length` counts code points, as PostgreSQL's `length()` does.
        self.truncated = printer.cut || consumed < bytes.count || body.unicodeScalars.count < length
    }

    static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }

    /// Writes lines into a byte buffer until a limit is reached.
    private struct Printer {
        let maxLines: Int
        let maxLineBytes: Int
        let maxBytes: Int
        var output: [UInt8] = []
        var lines = 1
        var lineStart = 0
        /// A limit stopped the output.
        var full = false
        /// Something inside a line was left out.
        var cut = false

        init(maxLines: Int, maxLineBytes: Int, maxBytes: Int) {
            self.maxLines = maxLines
            self.maxLineBytes = maxLineBytes
            self.maxBytes = maxBytes
            output.reserveCapacity(min(maxBytes, 8_192))
        }

        mutating func newline(indent: Int) {
            if lines >= maxLines || output.count >= maxBytes {
                full = true
                return
            }
            output.append(0x0A)
            lines += 1
            lineStart = output.count
            for _ in 0..<min(indent, 16) { output.append(contentsOf: [0x20, 0x20]) }
        }

        /// Appends one byte of a value, dropping what overflows the line; multi-byte characters are
        /// dropped whole.
        mutating func append(_ byte: UInt8) {
            if output.count - lineStart >= maxLineBytes || output.count >= maxBytes {
                if (byte & 0xC0) != 0x80 { dropRestOfLine() }
                if !dropping { output.append(byte) }
                return
            }
            output.append(byte)
        }

        private var dropping = false

        private mutating func dropRestOfLine() {
            if !dropping {
                dropping = true
                cut = true
                output.append(contentsOf: Array(" …".utf8))
            }
        }

        mutating func endValue() { dropping = false }

        /// Re-indents JSON text; returns how many bytes it consumed.
        mutating func json(_ bytes: [UInt8]) -> Int {
            var depth = 0
            var inString = false
            var escaped = false
            var index = 0
            while index < bytes.count && !full {
                let byte = bytes[index]
                index += 1
                if inString {
                    append(byte)
                    if escaped {
                        escaped = false
                    } else if byte == UInt8(ascii: "\\") {
                        escaped = true
                    } else if byte == UInt8(ascii: "\"") {
                        inString = false
                    }
                    continue
                }
                switch byte {
                case UInt8(ascii: "\""):
                    inString = true
                    append(byte)
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    append(byte)
                    var next = index
                    while next < bytes.count && JSONExcerpt.isSpace(bytes[next]) { next += 1 }
                    if next < bytes.count && (bytes[next] == UInt8(ascii: "}") || bytes[next] == UInt8(ascii: "]")) {
                        append(bytes[next])
                        index = next + 1
                    } else {
                        depth += 1
                        newline(indent: depth)
                    }
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth = max(0, depth - 1)
                    endValue()
                    newline(indent: depth)
                    if !full { append(byte) }
                case UInt8(ascii: ","):
                    append(byte)
                    endValue()
                    newline(indent: depth)
                case UInt8(ascii: ":"):
                    append(byte)
                    append(0x20)
                default:
                    if !JSONExcerpt.isSpace(byte) { append(byte) }
                }
            }
            return index
        }

        /// Prints text that is not JSON line by line, control characters as spaces.
        mutating func plain(_ bytes: [UInt8]) -> Int {
            var index = 0
            while index < bytes.count && !full {
                let byte = bytes[index]
                index += 1
                if byte == 0x0A {
                    endValue()
                    newline(indent: 0)
                } else if byte < 0x20 || byte == 0x7F {
                    append(0x20)
                } else {
                    append(byte)
                }
            }
            return index
        }

        mutating func finish() -> String {
            // A cut never splits a character (continuation bytes follow their lead byte), so this
            // decodes exactly; repairing is only a safeguard.
            String(decoding: output, as: UTF8.self)
        }
    }
}
