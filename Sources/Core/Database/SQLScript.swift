/// Splits an SQL file into single statements.
///
/// postgres-nio speaks only the extended query protocol, which takes one statement per query, so a
/// migration file is split on the semicolons that end statements: not those inside quotes, quoted
/// identifiers, dollar-quoted bodies (functions, `DO` blocks) or comments.
public enum SQLScript {
    public static func statements(in sql: String) -> [String] {
        let characters = Array(sql.unicodeScalars)
        var statements: [String] = []
        var current = String.UnicodeScalarView()
        var hasCode = false  // the current statement holds more than whitespace and comments
        var index = 0

        func peek(_ offset: Int) -> Unicode.Scalar? {
            index + offset < characters.count ? characters[index + offset] : nil
        }
        func take(_ count: Int) {
            current.append(contentsOf: characters[index..<min(index + count, characters.count)])
            index += count
        }
        func finish() {
            if hasCode {
                statements.append(String(current).trimmingWhitespace())
            }
            current = String.UnicodeScalarView()
            hasCode = false
        }

        while index < characters.count {
            let character = characters[index]
            switch character {
            case "-" where peek(1) == "-":
                while index < characters.count && characters[index] != "\n" { take(1) }
            case "/" where peek(1) == "*":
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
                } while depth > 0 && index < characters.count
            case "'":
                hasCode = true
                let backslashEscapes = index > 0 && (characters[index - 1] == "E" || characters[index - 1] == "e")
                take(1)
                while index < characters.count {
                    if backslashEscapes && characters[index] == "\\" {
                        take(2)
                    } else if characters[index] == "'" {
                        take(1)
                        if peek(0) == "'" { take(1) } else { break }
                    } else {
                        take(1)
                    }
                }
            case "\"":
                hasCode = true
                take(1)
                while index < characters.count {
                    let closing = characters[index] == "\""
                    take(1)
                    if closing {
                        if peek(0) == "\"" { take(1) } else { break }
                    }
                }
            case "$":
                hasCode = true
                if let tag = dollarTag(characters, at: index) {
                    take(tag.count)
                    while index < characters.count && !matches(characters, tag, at: index) { take(1) }
                    take(tag.count)
                } else {
                    take(1)
                }
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

    /// `$tag$` or `$$` starting at `index`; a tag cannot start with a digit (`$1` is a parameter).
    private static func dollarTag(_ characters: [Unicode.Scalar], at index: Int) -> [Unicode.Scalar]? {
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

    private static func matches(_ characters: [Unicode.Scalar], _ tag: [Unicode.Scalar], at index: Int) -> Bool {
        guard index + tag.count <= characters.count else { return false }
        return characters[index..<index + tag.count].elementsEqual(tag)
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
