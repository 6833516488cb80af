import Testing

@testable import Core

@Suite("JSON excerpts")
struct JSONExcerptTests {
    let limits = ReportLimits()

    @Test func prettyPrintsNestedJSON() {
        let body = #"{"a":1,"b":[true,{"c":"x, y: {z}"}],"e":{},"f":[]}"#
        let excerpt = JSONExcerpt(body: body, length: body.count, limits: limits, budget: 10_000)
        #expect(
            excerpt.text == """
                {
                  "a": 1,
                  "b": [
                    true,
                    {
                      "c": "x, y: {z}"
                    }
                  ],
                  "e": {},
                  "f": []
                }
                """
        )
        #expect(!excerpt.truncated)
        #expect(excerpt.covered == 50)
    }

    @Test func aBodyCutByTheDatabasePrintsUpToTheCutAndSaysSo() {
        let excerpt = JSONExcerpt(body: #"{"name":"Müller","desc":"unfinish"#, length: 5_000_000, limits: limits, budget: 10_000)
        #expect(excerpt.text == "{\n  \"name\": \"Müller\",\n  \"desc\": \"unfinish")
        #expect(excerpt.truncated)
    }

    @Test func lineAndLengthLimitsCutWithoutSplittingCharacters() {
        var limits = ReportLimits()
        limits.lines = 3
        limits.lineCharacters = 20
        let excerpt = JSONExcerpt(body: #"{"k":"ééééééééééééééééééééé","l":2,"m":3,"n":4}"#, length: 60, limits: limits, budget: 10_000)
        let lines = excerpt.text.split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines[1].hasSuffix(" …"))
        #expect(excerpt.truncated)
        #expect(!excerpt.text.contains("\u{FFFD}"))
    }

    @Test func binaryAndPlainBodies() {
        let binary = JSONExcerpt(body: "base64:AAAA", length: 1_007, limits: limits, budget: 100)
        #expect(binary.text == "(binary body: 1,000 characters of base64, not printed)")
        let plain = JSONExcerpt(body: "Not Found\n\tline two", length: 19, limits: limits, budget: 100)
        #expect(plain.text == "Not Found\n line two")
    }
}
