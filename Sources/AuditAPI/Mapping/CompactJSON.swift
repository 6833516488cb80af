import Foundation

/// Compact JSON written straight into bytes, byte for byte as the generated path writes it:
/// Foundation's `JSONEncoder` (sorted keys, no whitespace, `/` unescaped, dates as
/// `ISO8601Transcoder` writes them) followed by `JSONNullFiller`, which appends a nil field as
/// `"key":null` after the object's other keys.
///
/// Hand-written because the generic encoder was the largest single cost of the hottest endpoints
/// (a quarter of the API's CPU on `GET audits/`, BENCHMARKS.md) and no library writes Foundation's
/// exact bytes faster. `CompactJSONTests` holds the two paths to the same output.
struct CompactJSON {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int) {
        bytes.reserveCapacity(capacity)
    }

    /// An object being written. Its keys must come in sorted order (byte order, as `.sortedKeys`
    /// sorts ASCII keys); the nil ones are held back and written last, as the filler does.
    struct Object {
        fileprivate var empty = true
        fileprivate var nulls: [StaticString] = []
    }

    mutating func openObject() -> Object {
        bytes.append(UInt8(ascii: "{"))
        return Object()
    }

    mutating func close(_ object: Object) {
        var object = object
        for key in object.nulls {
            self.key(key, in: &object)
            append("null")
        }
        bytes.append(UInt8(ascii: "}"))
    }

    mutating func field(_ key: StaticString, _ value: String?, in object: inout Object) {
        guard let value else { return object.nulls.append(key) }
        self.key(key, in: &object)
        string(value)
    }

    mutating func field(_ key: StaticString, _ value: Int?, in object: inout Object) {
        guard let value else { return object.nulls.append(key) }
        self.key(key, in: &object)
        append(String(value))
    }

    mutating func field(_ key: StaticString, _ value: UUID?, in object: inout Object) {
        guard let value else { return object.nulls.append(key) }
        self.key(key, in: &object)
        uuid(value)
    }

    mutating func field(_ key: StaticString, _ value: Date?, in object: inout Object) {
        guard let value else { return object.nulls.append(key) }
        self.key(key, in: &object)
        date(value)
    }

    mutating func field(_ key: StaticString, _ values: [String], in object: inout Object) {
        self.key(key, in: &object)
        bytes.append(UInt8(ascii: "["))
        for (index, value) in values.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            string(value)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    /// A nested value (object or array) under `key`, written by `value`.
    mutating func field(_ key: StaticString, in object: inout Object, _ value: (inout CompactJSON) -> Void) {
        self.key(key, in: &object)
        value(&self)
    }

    mutating func array<Element>(_ elements: [Element], _ element: (inout CompactJSON, Element) -> Void) {
        bytes.append(UInt8(ascii: "["))
        for (index, value) in elements.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            element(&self, value)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    // MARK: - Scalars

    private mutating func key(_ key: StaticString, in object: inout Object) {
        if !object.empty { bytes.append(UInt8(ascii: ",")) }
        object.empty = false
        bytes.append(UInt8(ascii: "\""))
        key.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
    }

    private mutating func append(_ text: String) {
        bytes.append(contentsOf: text.utf8)
    }

    /// Foundation's escapes: `"` and `\`, the short forms `\b \t \n \f \r`, other control
    /// characters as `\u00xx` (lowercase hex); everything else, `/` and non-ASCII included, as is.
    private mutating func string(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { utf8 in
            var run = 0
            for index in utf8.indices {
                let byte = utf8[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[run..<index]))
                run = index + 1
                bytes.append(UInt8(ascii: "\\"))
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes.append(byte)
                case 0x08: bytes.append(UInt8(ascii: "b"))
                case 0x09: bytes.append(UInt8(ascii: "t"))
                case 0x0A: bytes.append(UInt8(ascii: "n"))
                case 0x0C: bytes.append(UInt8(ascii: "f"))
                case 0x0D: bytes.append(UInt8(ascii: "r"))
                default:
                    bytes.append(contentsOf: [UInt8(ascii: "u"), Self.zero, Self.zero, Self.hex[Int(byte >> 4)], Self.hex[Int(byte & 15)]])
                }
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[run...]))
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// `UUID.apiString`, quoted, without building the intermediate strings.
    private mutating func uuid(_ id: UUID) {
        bytes.append(UInt8(ascii: "\""))
        withUnsafeBytes(of: id.uuid) { raw in
            for (index, byte) in raw.enumerated() {
                if index == 4 || index == 6 || index == 8 || index == 10 { bytes.append(UInt8(ascii: "-")) }
                bytes.append(Self.hex[Int(byte >> 4)])
                bytes.append(Self.hex[Int(byte & 15)])
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// `ISO8601Transcoder`'s form, `2026-11-25T10:00:00Z`: whole seconds (truncated, as the format
    /// style does), UTC. Years outside four digits go through the transcoder itself.
    private mutating func date(_ date: Date) {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        guard gmtime_r(&seconds, &parts) != nil, (1...9999).contains(parts.tm_year + 1900) else {
            return string((try? ISO8601Transcoder().encode(date)) ?? "")
        }
        bytes.append(UInt8(ascii: "\""))
        digits(Int(parts.tm_year) + 1900, 4)
        bytes.append(UInt8(ascii: "-"))
        digits(Int(parts.tm_mon) + 1, 2)
        bytes.append(UInt8(ascii: "-"))
        digits(Int(parts.tm_mday), 2)
        bytes.append(UInt8(ascii: "T"))
        digits(Int(parts.tm_hour), 2)
        bytes.append(UInt8(ascii: ":"))
        digits(Int(parts.tm_min), 2)
        bytes.append(UInt8(ascii: ":"))
        digits(Int(parts.tm_sec), 2)
        bytes.append(contentsOf: [UInt8(ascii: "Z"), UInt8(ascii: "\"")])
    }

    private mutating func digits(_ value: Int, _ width: Int) {
        var divisor = 1
        for _ in 1..<width { divisor *= 10 }
        var rest = value
        while divisor > 0 {
            bytes.append(Self.zero + UInt8(rest / divisor))
            rest %= divisor
            divisor /= 10
        }
    }

    private static let zero = UInt8(ascii: "0")
    private static let hex = Array("0123456789abcdef".utf8)
}
