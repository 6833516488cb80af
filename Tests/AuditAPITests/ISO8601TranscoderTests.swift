import Foundation
import OpenAPIRuntime
import Testing

@testable import AuditAPI

@Suite("Dates on the wire")
struct ISO8601TranscoderTests {
    /// The API's transcoder writes and reads exactly what the runtime's default one does.
    @Test(arguments: [0, 1_764_064_800, 1_764_064_800.987_654, 4_102_444_799.5, -86_400.25])
    func sameTextAsTheRuntimesTranscoder(_ seconds: TimeInterval) throws {
        let date = Date(timeIntervalSince1970: seconds)
        let text = try ISO8601Transcoder().encode(date)
        #expect(text == (try ISO8601DateTranscoder.iso8601.encode(date)))
        #expect(try ISO8601Transcoder().decode(text) == (try ISO8601DateTranscoder.iso8601.decode(text)))
    }

    @Test func refusesWhatTheRuntimeRefuses() {
        for text in ["2026-11-25", "2026-11-25T10:00:00", "yesterday", ""] {
            #expect(throws: (any Error).self) { try ISO8601Transcoder().decode(text) }
        }
    }
}
