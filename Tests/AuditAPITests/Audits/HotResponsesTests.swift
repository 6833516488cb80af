import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import AuditAPI

/// `HotResponsesMiddleware` answers the unfiltered audit list and one audit itself; a filtered list
/// still goes through the generated handler. Both answers must be the same bytes and headers.
@Suite("Hot responses", .serialized)
struct HotResponsesTests {
    @Test func theHandWrittenListIsTheGeneratedListByteForByte() async throws {
        try await AuditTestBed.run(worker: false) { bed in
            var ids: [String] = []
            for body: [String: any Sendable] in [
                ["repository": "acme/repo-1"], [:], ["repository": "acme/repo-2", "checks": ["org_2fa_required"]],
            ] {
                let started = try await bed.start(body)
                #expect(started.status == .accepted)
                ids.append(try #require(try started.json()["id"] as? String))
            }
            _ = try await bed.api.request(.post, "/api/v1/audits/\(ids[1])/cancel/", token: bed.admin.access)

            let hot = try await bed.api.request(.get, "/api/v1/audits/", token: bed.admin.access)
            // Every audit here is manual: the filter changes nothing but the path the answer takes.
            let generated = try await bed.api.request(.get, "/api/v1/audits/?trigger=manual", token: bed.admin.access)
            #expect(hot.status == .ok)
            #expect(generated.status == .ok)
            #expect(hot.text == generated.text)
            #expect(hot.headers[.contentType] == generated.headers[.contentType])
            #expect(hot.headers[.contentLength] == generated.headers[.contentLength])
            #expect(hot.headers[.contentType] == "application/json; charset=utf-8")
            #expect(hot.text.hasSuffix(#","next":null,"previous":null}"#))
            #expect(try hot.json()["count"] as? Int == 3)

            let listed = try #require(try hot.json()["results"] as? [[String: Any]])
            for (index, id) in ids.reversed().enumerated() {
                let one = try await bed.api.request(.get, "/api/v1/audits/\(id)/", token: bed.admin.access)
                #expect(one.status == .ok)
                #expect(NSDictionary(dictionary: try one.json()).isEqual(to: listed[index]))
                #expect(hot.text.contains(one.text), "the audit's bytes are the list item's")
            }
            #expect(try await bed.api.request(.get, "/api/v1/audits/?page=2", token: bed.admin.access).status == .notFound)
            #expect(try await bed.api.request(.get, "/api/v1/audits/not-a-uuid/", token: bed.admin.access).status == .notFound)
            #expect(try await bed.api.request(.get, "/api/v1/audits/\(ids[0])/").status == .unauthorized)
            #expect(try await bed.api.request(.get, "/api/v1/audits/").status == .unauthorized)
        }
    }
}
