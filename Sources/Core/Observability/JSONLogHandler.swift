import Foundation
import Logging
import Synchronization

/// Writes each log record as one JSON object per line on standard error, the shape log shippers
/// (Loki, CloudWatch, Elasticsearch) parse without configuration.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    private let label: String

    public init(label: String, level: Logger.Level) {
        self.label = label
        self.logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
        let line = Self.line(time: .now, level: event.level, label: label, message: event.message.description, metadata: merged)
        Self.output.withLock { _ in FileHandle.standardError.write(Data(line.utf8)) }
    }

    /// One record as a JSON line: `ts`, `level`, `logger`, `msg`, then metadata keys in sorted order,
    /// nested values flattened to text.
    public static func line(time: Date, level: Logger.Level, label: String, message: String, metadata: Logger.Metadata) -> String {
        var line = "{\"ts\":" + JSONText.quote(time.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true)))
        line += ",\"level\":" + JSONText.quote(level.rawValue)
        line += ",\"logger\":" + JSONText.quote(label) + ",\"msg\":" + JSONText.quote(message)
        for key in metadata.keys.sorted() {
            line += "," + JSONText.quote(key) + ":" + JSONText.quote(flatten(metadata[key]!))
        }
        return line + "}\n"
    }

    /// Serialises writes so concurrent records never interleave within a line.
    private static let output = Mutex(())

    private static func flatten(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case .string(let text): text
        case .stringConvertible(let convertible): convertible.description
        case .array(let values): "[" + values.map(flatten).joined(separator: ", ") + "]"
        case .dictionary(let values): "{" + values.keys.sorted().map { "\($0): \(flatten(values[$0]!))" }.joined(separator: ", ") + "}"
        }
    }
}

/// Minimal JSON string quoting for hand-built JSON.
public enum JSONText {
    public static func quote(_ text: String) -> String {
        // Most texts (every access log line's keys and values) need no escape: one pass to tell.
        if !text.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            return "\"" + text + "\""
        }
        var output = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: output.unicodeScalars.append(scalar)
            }
        }
        return output + "\""
    }
}
