import Foundation
import Testing

@testable import Core

@Suite("Evidence hashing")
struct EvidenceHashTests {
    static let response = GitHubResponse(
        url: "https://api.github.com/orgs/acme",
        status: 200,
        headers: ["etag": "W/\"abc\"", "x-github-request-id": "1:2", "set-cookie": "not evidence"],
        body: Array(#"{"login":"acme","two_factor_requirement_enabled":false}"#.utf8)
    )

    @Test func everyFieldChangesTheHash() {
        let time = EvidenceHash.collectionTime(Date(timeIntervalSince1970: 1_800_000_000.123_456))
        #expect(time.timeIntervalSince1970 == 1_800_000_000.123)
        let json = EvidenceHash.responsesJSON([Self.response])
        #expect(!json.contains("set-cookie"), "only the headers that are evidence are kept")
        let base = EvidenceHash.hash(
            check: "org_2fa_required",
            resource: "acme",
            status: .fail,
            sentence: "s",
            responsesJSON: json,
            collectedAt: time
        )
        #expect(base.count == 64)
        #expect(
            base
                == EvidenceHash.hash(
                    check: "org_2fa_required",
                    resource: "acme",
                    status: .fail,
                    sentence: "s",
                    responsesJSON: json,
                    collectedAt: time
                )
        )
        let variants = [
            EvidenceHash.hash(check: "other", resource: "acme", status: .fail, sentence: "s", responsesJSON: json, collectedAt: time),
            EvidenceHash.hash(
                check: "org_2fa_required",
                resource: "acme/x",
                status: .fail,
                sentence: "s",
                responsesJSON: json,
                collectedAt: time
            ),
            EvidenceHash.hash(
                check: "org_2fa_required",
                resource: "acme",
                status: .pass,
                sentence: "s",
                responsesJSON: json,
                collectedAt: time
            ),
            EvidenceHash.hash(
                check: "org_2fa_required",
                resource: "acme",
                status: .fail,
                sentence: "t",
                responsesJSON: json,
                collectedAt: time
            ),
            EvidenceHash.hash(
                check: "org_2fa_required",
                resource: "acme",
                status: .fail,
                sentence: "s",
                responsesJSON: json.replacingOccurrences(of: "false", with: "true"),
                collectedAt: time
            ),
            EvidenceHash.hash(
                check: "org_2fa_required",
                resource: "acme",
                status: .fail,
                sentence: "s",
                responsesJSON: json,
                collectedAt: time.addingTimeInterval(0.001)
            ),
        ]
        #expect(Set(variants).count == variants.count)
        #expect(!variants.contains(base))
    }

    @Test func timesReadBackFromPostgreSQLHashTheSame() {
        let written = EvidenceHash.collectionTime(Date(timeIntervalSince1970: 1_795_620_000.123_9))
        // PostgreSQL stores microseconds: a binary fraction just under .123 comes back as .122999.
        let readBack = Date(timeIntervalSince1970: 1_795_620_000.122_999)
        #expect(EvidenceHash.timestamp(written) == "2026-11-25T15:20:00.123Z")
        #expect(EvidenceHash.timestamp(readBack) == EvidenceHash.timestamp(written))
    }

    @Test func theDigestChainsInCheckAndResourceOrder() {
        let a = (check: "a", resource: "x", sha256: String(repeating: "1", count: 64))
        let b = (check: "b", resource: "x", sha256: String(repeating: "2", count: 64))
        let c = (check: "b", resource: "y", sha256: String(repeating: "3", count: 64))
        let digest = EvidenceHash.digest([a, b, c])
        #expect(digest == EvidenceHash.digest([c, a, b]), "stored order does not matter")
        #expect(digest != EvidenceHash.digest([a, b]), "a missing row changes it")
        #expect(digest != EvidenceHash.digest([a, b, (c.check, c.resource, String(repeating: "4", count: 64))]))
        #expect(EvidenceHash.digest([]).count == 64)
    }
}
