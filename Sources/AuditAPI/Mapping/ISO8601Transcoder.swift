import Foundation
import OpenAPIRuntime

/// The runtime's default ISO 8601 dates (`2026-11-25T10:00:00Z`), written with Foundation's format
/// style. The runtime's own transcoder goes through a lock-guarded `ISO8601DateFormatter`, which
/// showed up in profiles of the audit list at several percent of the request.
struct ISO8601Transcoder: DateTranscoder {
    func encode(_ date: Date) throws -> String {
        date.formatted(Date.ISO8601FormatStyle())
    }

    func decode(_ text: String) throws -> Date {
        try Date.ISO8601FormatStyle().parse(text)
    }
}
