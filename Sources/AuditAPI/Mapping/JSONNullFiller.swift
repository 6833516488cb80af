import Core
import Foundation

/// Adds `"key":null` for the required-but-nullable keys that the generated encoders left out. It
/// works on the encoded bytes in one pass, guided by a `ResponseShapes.Shape`. Parsing every
/// response into Foundation objects and writing it back cost more than the rest of the request
/// did (BENCHMARKS.md, API).
///
/// Bytes are copied as they come. Whitespace outside strings is dropped. Missing keys are appended
/// at the end of their object, in sorted order, so nothing depends on the encoder's key order.
struct JSONNullFiller {
    typealias Shape = ResponseShapes.Shape

    struct Malformed: Error {}

    private let input: [UInt8]
    private var position = 0
    private var output: [UInt8] = []

    /// `json` with the keys filled in, or nil when it is not one well-formed JSON value.
    static func fill(_ json: [UInt8], _ shape: Shape) -> [UInt8]? {
        var filler = JSONNullFiller(input: json)
        filler.output.reserveCapacity(json.count + 64)
        do {
            try filler.value(shape)
            filler.skipWhitespace()
            guard filler.position == json.count else { return nil }
        } catch {
            return nil
        }
        return filler.output
    }

    private init(input: [UInt8]) {
        self.input = input
    }

    private mutating func value(_ shape: Shape?) throws {
        skipWhitespace()
        switch try peek() {
        case UInt8(ascii: "{"): try object(shape)
        case UInt8(ascii: "["): try array(shape)
        case UInt8(ascii: "\""): _ = try string()
        default: try scalar()
        }
    }

    private mutating func object(_ shape: Shape?) throws {
        var missing: Set<String> = []
        var properties: [String: Shape] = [:]
        var additional: Shape?
        if case .object(let nullable, let known, let rest)? = shape {
            (missing, properties, additional) = (nullable, known, rest)
        }
        try copy("{")
        var empty = true
        skipWhitespace()
        if try peek() != UInt8(ascii: "}") {
            while true {
                skipWhitespace()
                let key = try string()
                empty = false
                skipWhitespace()
                try copy(":")
                try value(properties[key] ?? additional)
                missing.remove(key)
                skipWhitespace()
                if try peek() == UInt8(ascii: ",") {
                    try copy(",")
                } else {
                    break
                }
            }
        }
        for key in missing.sorted() {
            if !empty { output.append(UInt8(ascii: ",")) }
            output.append(contentsOf: Array((JSONText.quote(key) + ":null").utf8))
            empty = false
        }
        try copy("}")
    }

    private mutating func array(_ shape: Shape?) throws {
        var items: Shape?
        if case .array(let element)? = shape { items = element }
        try copy("[")
        skipWhitespace()
        if try peek() == UInt8(ascii: "]") { return try copy("]") }
        while true {
            try value(items)
            skipWhitespace()
            if try peek() == UInt8(ascii: ",") {
                try copy(",")
            } else {
                return try copy("]")
            }
        }
    }

    /// Copies a string, quotes included, and returns its text.
    private mutating func string() throws -> String {
        guard try peek() == UInt8(ascii: "\"") else { throw Malformed() }
        let start = position
        var escaped = false
        position += 1
        while true {
            guard position < input.count else { throw Malformed() }
            let byte = input[position]
            position += 1
            if byte == UInt8(ascii: "\\") {
                escaped = true
                position += 1
            } else if byte == UInt8(ascii: "\"") {
                break
            }
        }
        guard position <= input.count else { throw Malformed() }
        let literal = input[start..<position]
        output.append(contentsOf: literal)
        guard escaped else { return String(decoding: literal.dropFirst().dropLast(), as: UTF8.self) }
        // Escapes are rare in keys; Foundation undoes them.
        guard let text = try? JSONSerialization.jsonObject(with: Data(literal), options: .fragmentsAllowed) as? String else {
            throw Malformed()
        }
        return text
    }

    /// Copies a number, `true`, `false` or `null`.
    private mutating func scalar() throws {
        let start = position
        while position < input.count, !Self.delimiters.contains(input[position]) { position += 1 }
        guard position > start else { throw Malformed() }
        output.append(contentsOf: input[start..<position])
    }

    private static let delimiters: Set<UInt8> = Set(",]}: \t\r\n".utf8)

    private mutating func skipWhitespace() {
        while position < input.count, [0x20, 0x09, 0x0A, 0x0D].contains(input[position]) { position += 1 }
    }

    private func peek() throws -> UInt8 {
        guard position < input.count else { throw Malformed() }
        return input[position]
    }

    private mutating func copy(_ expected: Unicode.Scalar) throws {
        guard try peek() == UInt8(ascii: expected) else { throw Malformed() }
        output.append(input[position])
        position += 1
    }
}
