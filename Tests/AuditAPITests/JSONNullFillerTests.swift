import Foundation
import Testing

@testable import AuditAPI

@Suite("Required nulls")
struct JSONNullFillerTests {
    typealias Shape = ResponseShapes.Shape

    /// A DRF page of audits: `next`/`previous` and each audit's `finished_at` are required and nullable.
    let page = Shape.object(
        nullable: ["next", "previous"],
        properties: ["results": .array(.object(nullable: ["finished_at"], properties: [:], additional: nil))],
        additional: nil
    )

    func fill(_ json: String, _ shape: Shape) -> String? {
        JSONNullFiller.fill(Array(json.utf8), shape).map { String(decoding: $0, as: UTF8.self) }
    }

    @Test func missingKeysBecomeNullAtEveryDepth() {
        #expect(
            fill(#"{"count":2,"results":[{"id":1},{"finished_at":"2026-11-25T10:00:00Z","id":2}]}"#, page)
                == #"{"count":2,"results":[{"id":1,"finished_at":null},{"finished_at":"2026-11-25T10:00:00Z","id":2}],"next":null,"previous":null}"#
        )
        #expect(fill(#"{"results":[]}"#, page) == #"{"results":[],"next":null,"previous":null}"#)
        #expect(fill("{}", page) == #"{"next":null,"previous":null}"#)
    }

    @Test func presentKeysAreLeftAloneAndNeverDoubled() {
        let json = #"{"next":"http://x/?page=3","previous":null,"results":[{"finished_at":null}]}"#
        #expect(fill(json, page) == json)
    }

    @Test func stringsAndWhitespaceSurviveTheCopy() {
        let pretty = """
            {
              "detail" : "a } b ] c \\" d \\\\",
              "results" : [ { "a\\"b" : [ 1, -2.5e3, true, false, null ] } ]
            }
            """
        #expect(
            fill(pretty, page)
                == #"{"detail":"a } b ] c \" d \\","results":[{"a\"b":[1,-2.5e3,true,false,null],"finished_at":null}],"next":null,"previous":null}"#
        )
    }

    @Test func dictionariesFillEachValue() {
        let shape = Shape.object(nullable: [], properties: [:], additional: .object(nullable: ["at"], properties: [:], additional: nil))
        #expect(fill(#"{"x":{},"y":{"at":1}}"#, shape) == #"{"x":{"at":null},"y":{"at":1}}"#)
    }

    @Test(arguments: [#"{"a":1"#, #"{"a" 1}"#, "[1,]", #"{"a":1}x"#, "", #""open"#, "{,}"])
    func malformedJSONIsLeftToTheCaller(_ json: String) {
        #expect(fill(json, page) == nil)
    }
}
