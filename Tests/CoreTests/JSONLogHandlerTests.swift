import Core
import Foundation
import Logging
import Testing

@Suite("JSON log lines")
struct JSONLogHandlerTests {
    @Test func oneParsableObjectPerLineWithEscaping() throws {
        let line = JSONLogHandler.line(
            time: Date(timeIntervalSince1970: 1_700_000_000.25),
            level: .warning,
            label: "auditmate.api",
            message: "quote \" backslash \\ newline \n tab \t bell \u{7}",
            metadata: ["request_id": "abc", "route": .stringConvertible(404), "tags": ["a", "b"]]
        )
        #expect(line.hasSuffix("}\n"))
        #expect(line.filter { $0 == "\n" }.count == 1, "a record must stay on one line")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String])
        #expect(object["ts"] == "2023-11-14T22:13:20.250Z")
        #expect(object["level"] == "warning")
        #expect(object["logger"] == "auditmate.api")
        #expect(object["msg"] == "quote \" backslash \\ newline \n tab \t bell \u{7}")
        #expect(object["request_id"] == "abc")
        #expect(object["route"] == "404")
        #expect(object["tags"] == "[a, b]")
    }
}
