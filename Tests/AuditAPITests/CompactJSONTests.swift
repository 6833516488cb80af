import Foundation
import HTTPTypes
@_spi(Generated) import OpenAPIRuntime
import Testing

@testable import AuditAPI
@testable import Core

/// `CompactJSON` must write exactly what the generated path writes: the generated types through
/// the server's `Converter`, then `JSONNullFiller` with the spec's shapes.
@Suite("Compact JSON")
struct CompactJSONTests {
    let shapes = try! SchemaDocument.bundled().responseShapes

    /// Every ASCII character, then some that are not (two-, three- and four-byte UTF-8, and the
    /// line separators JavaScript dislikes).
    static let awkward: String = {
        var text = ""
        for value in UInt8(0)..<0x80 { text.unicodeScalars.append(Unicode.Scalar(value)) }
        return text + "é€😀\u{2028}\u{2029}\u{FEFF} a/b \\\" end"
    }()

    static func audit(full: Bool, index: Int) -> Core.Audit {
        let base = Date(timeIntervalSince1970: 1_764_670_000 + Double(index) * 3_599.999_937)
        return Core.Audit(
            id: UUID(),
            organizationID: UUID(),
            integrationID: full ? UUID() : nil,
            repository: full ? "acme/\(index)-" + awkward : nil,
            checks: full ? ["repo.branch-protection", awkward] : [],
            trigger: index % 2 == 0 ? .manual : .schedule,
            status: Core.Audit.Status.allCases[index % Core.Audit.Status.allCases.count],
            requestedBy: full ? UUID() : nil,
            createdAt: base,
            startedAt: full ? base.addingTimeInterval(0.999_999) : nil,
            finishedAt: full ? base.addingTimeInterval(40.000_001) : nil,
            score: full ? index % 101 : nil,
            summary: .init(passed: index, failed: 2, errors: 0, notApplicable: 12_345),
            progressDone: index,
            progressTotal: 30,
            evidenceDigest: full ? String(repeating: "ab", count: 32) : nil,
            error: full ? awkward : nil,
            pendingReason: full ? "GitHub's rate limit, until 10:00" : nil,
            notBefore: nil
        )
    }

    func generic<T: Encodable>(_ value: T, operationID: String) async throws -> String {
        var headers = HTTPFields()
        let body = try Converter(configuration: APIHandler.serverConfiguration)
            .setResponseBodyAsJSON(value, headerFields: &headers, contentType: "application/json; charset=utf-8")
        var bytes = try await [UInt8](collecting: body, upTo: 1 << 24)
        if let shape = shapes.shape(operationID: operationID, status: 200) { bytes = try #require(JSONNullFiller.fill(bytes, shape)) }
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test(arguments: [false, true])
    func oneAuditIsWrittenAsTheGeneratedServerWritesIt(full: Bool) async throws {
        for index in 0..<12 {
            let audit = Self.audit(full: full, index: index)
            var json = CompactJSON(capacity: 0)
            json.audit(audit)
            let expected = try await generic(Components.Schemas.Audit(audit), operationID: "getAudit")
            #expect(String(decoding: json.bytes, as: UTF8.self) == expected)
        }
    }

    @Test(
        arguments: [(nil, nil), ("http://x/api/v1/audits/?page=3", "http://x/api/v1/audits/"), (nil, "http://x/?page=9")]
            as [(String?, String?)]
    )
    func aPageIsWrittenAsTheGeneratedServerWritesIt(next: String?, previous: String?) async throws {
        let audits = (0..<20).map { Self.audit(full: $0 % 3 != 0, index: $0) }
        let page = Page(items: audits, count: 201, request: PageRequest(2))
        var json = CompactJSON(capacity: CompactJSON.capacity(audits: audits.count))
        json.auditPage(page, next: next, previous: previous)
        let schema = Components.Schemas.PaginatedAudits(count: 201, next: next, previous: previous, results: audits.map { .init($0) })
        let expected = try await generic(schema, operationID: "listAudits")
        #expect(String(decoding: json.bytes, as: UTF8.self) == expected)
    }

    @Test func anEmptyPageToo() async throws {
        var json = CompactJSON(capacity: 0)
        json.auditPage(Page(items: [], count: 0, request: PageRequest(nil)), next: nil, previous: nil)
        let expected = try await generic(Components.Schemas.PaginatedAudits(count: 0, results: []), operationID: "listAudits")
        #expect(String(decoding: json.bytes, as: UTF8.self) == expected)
        #expect(expected == #"{"count":0,"results":[],"next":null,"previous":null}"#)
    }

    @Test func onlyPlainPageQueriesTakeTheHotPath() {
        #expect(HotResponsesMiddleware.plainPage("/api/v1/audits/") == .some(nil))
        #expect(HotResponsesMiddleware.plainPage("/api/v1/audits/?") == .some(nil))
        #expect(HotResponsesMiddleware.plainPage("/api/v1/audits/?page=7") == .some(7))
        for declined in ["?page=", "?page=+7", "?page=7&status=PASS", "?status=PASS", "?page=7&page=8", "?page=%37", "?page=-1"] {
            #expect(HotResponsesMiddleware.plainPage("/api/v1/audits/" + declined) == nil, "\(declined)")
        }
    }
}
