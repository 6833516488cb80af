/// Splits an SQL file into single statements.
///
/// postgres-nio speaks only the extended query protocol, which takes one statement per query, so a
/// migration file is split on the semicolons that end statements: not those inside quotes, quoted
/// identifiers, dollar-quoted bodies (functions, `DO` blocks) or comments. Hand-written because no
/// package on the mirror splits PostgreSQL scripts, and the rules needed here are these five.
public enum SQLScript {
    public static func statements(in sql: String) -> [String] {
        var splitter = Splitter(Array(sql.unicodeScalars))
        return splitter.split()
    }

    /// A cursor over the script that copies what it passes into the current statement.
    private struct Splitter {
        let characters: [Unicode.Scalar]
        var index = 0
        var current = String.UnicodeScalarView()
        /// The current statement holds more than whitespace and comments.
        var hasCode = false
        var statements: [String] = []

        init(_ characters: [Unicode.Scalar]) {
            self.characters = characters
        }

        mutating func split() -> [String] {
            while index < characters.count {
                let character = characters[index]
                switch character {
                case "-" where peek(1) == "-": lineComment()
                case "/" where peek(1) == "*": blockComment()
                case "'": string()
                case "\"": quotedIdentifier()
                case "$": dollarQuoted()
                case ";":
                    finish()
                    index += 1
                default:
                    if !character.properties.isWhitespace { hasCode = true }
                    take(1)
                }
            }
            finish()
            return statements
        }

        private func peek(_ offset: Int) -> Unicode.Scalar? {
            index + offset < characters.count ? characters[index + offset] : nil
        }

        private var atEnd: Bool { index >= characters.count }

        private mutating func take(_ count: Int) {
            current.append(contentsOf: characters[index..<min(index + count, characters.count)])
            index += count
        }

        private mutating func finish() {
            if hasCode { statements.append(String(current).trimmingWhitespace()) }
            current = String.UnicodeScalarView()
            hasCode = false
        }

        /// `-- ...` to the end of the line.
        private mutating func lineComment() {
            while !atEnd && characters[index] != "\n" { take(1) }
        }

        /// `/* ... */`, which PostgreSQL lets nest.
        private mutating func blockComment() {
            var depth = 0
            repeat {
                if peek(0) == "/" && peek(1) == "*" {
                    depth += 1
                    take(2)
                } else if peek(0) == "*" && peek(1) == "/" {
                    depth -= 1
                    take(2)
                } else {
                    take(1)
                }
            } while depth > 0 && !atEnd
        }

        /// `'...'` with `''` inside; `E'...'` also escapes with backslashes.
        private mutating func string() {
            hasCode = true
            let backslashEscapes = index > 0 && (characters[index - 1] == "E" || characters[index - 1] == "e")
            take(1)
            while !atEnd {
                if backslashEscapes && characters[index] == "\\" {
                    take(2)
                } else if characters[index] == "'" {
                    take(1)
                    if peek(0) == "'" { take(1) } else { return }
                } else {
                    take(1)
                }
            }
        }

        /// `"..."` with `""` inside.
        private mutating func quotedIdentifier() {
            hasCode = true
            take(1)
            while !atEnd {
                let closing = characters[index] == "\""
                take(1)
                if closing {
                    if peek(0) == "\"" { take(1) } else { return }
                }
            }
        }

        /// `$tag$ ... $tag$`, or a lone `$` (a parameter such as `$1`).
        private mutating func dollarQuoted() {
            hasCode = true
            guard let tag = dollarTag() else { return take(1) }
            take(tag.count)
            while !atEnd && !matches(tag) { take(1) }
            take(tag.count)
        }

        /// `$tag$` or `$$` starting at `index`; a tag cannot start with a digit (`$1` is a parameter).
        private func dollarTag() -> [Unicode.Scalar]? {
            var end = index + 1
            while end < characters.count, characters[end] != "$" {
                let scalar = characters[end]
                let valid = scalar == "_" || scalar.properties.isAlphabetic || (end > index + 1 && ("0"..."9").contains(scalar))
                guard valid else { return nil }
                end += 1
            }
            guard end < characters.count else { return nil }
            return Array(characters[index...end])
        }

        private func matches(_ tag: [Unicode.Scalar]) -> Bool {
            guard index + tag.count <= characters.count else { return false }
            return characters[index..<index + tag.count].elementsEqual(tag)
        }
    }
}

extension String {
    fileprivate func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[first...last])
    }
}
