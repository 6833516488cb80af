import Core
import Foundation
import HTTPTypes
import Logging
import PostgresNIO
import TestSupport
import Testing

@testable import AuditAPI

extension Security {
    /// However large the answers a tenant's GitHub sent, a page of evidence stays small, each row
    /// can be read alone, `verify` streams, and nothing turns into a 500.
    @Suite("evidence bounds")
    struct EvidenceBoundsTests {
        static func insert(_ audit: UUID, check: String, bodyBytes: Int, database: DatabaseSettings) async throws {
            let response = GitHubResponse(
                url: "https://api.github.com/orgs/acme/repos",
                status: 200,
                headers: [:],
                body: Array(String(repeating: "[\"x\"],", count: bodyBytes / 6).utf8)
            )
            let json = EvidenceHash.responsesJSON([response])
            let collected = EvidenceHash.collectionTime()
            let hash = EvidenceHash.hash(
                check: check,
                resource: "acme",
                status: .pass,
                sentence: "fixture",
                responsesJSON: json,
                collectedAt: collected
            )
            try await TestDatabase.withConnection(database) { connection in
                try await connection.query(
                    """
                    INSERT INTO evidence (audit_id, check_id, resource, status, severity, sentence, responses, collected_at, sha256)
                    VALUES (\(audit), \(check), 'acme', 'PASS', 'LOW', 'fixture', \(json)::jsonb, \(collected), \(hash))
                    """,
                    logger: Logger(label: "t")
                )
            }
        }

        @Test func largeAnswersAreLeftOutOfListsAndReadOneRowAtATime() async throws {
            try await withIdentityAPI { api, config in
                let admin = try await api.register()
                let organization = try #require(UUID(uuidString: admin.organizationID))
                let audit = try await IdentityFixtures.audit(in: organization, status: "RUNNING", database: config.database)
                // 20 rows just over the list limit, and one far past the response buffer on its own page.
                for index in 0..<19 {
                    try await Self.insert(audit, check: String(format: "check_%02d", index), bodyBytes: 300_000, database: config.database)
                }
                try await Self.insert(audit, check: "check_19", bodyBytes: 3_000_000, database: config.database)
                try await Self.insert(audit, check: "check_small", bodyBytes: 1_000, database: config.database)
                let path = "/api/v1/audits/\(audit.uuidString.lowercased())/evidence/"
                let page = try await api.request(.get, path, token: admin.access)
                #expect(page.status == .ok)
                #expect(page.body.readableBytes < 1 << 20, "the page holds no large answers")
                let rows = try #require(try page.json()["results"] as? [[String: Any]])
                #expect(rows.count == 20)
                #expect(rows.allSatisfy { $0["responses_omitted"] as? Bool == true && ($0["responses"] as? [Any])?.isEmpty == true })
                let large = try #require(rows.last)
                #expect((large["responses_size"] as? Int ?? 0) > 3_000_000)

                let id = try #require(large["id"] as? Int)
                let single = try await api.request(.get, "\(path)\(id)/", token: admin.access)
                #expect(single.status == .ok)
                #expect(try single.json()["responses_omitted"] as? Bool == false)
                #expect(
                    (try single.json()["responses"] as? [[String: Any]])?.first?["url"] as? String
                        == "https://api.github.com/orgs/acme/repos"
                )

                let second = try await api.request(.get, "\(path)?page=2", token: admin.access)
                let small = try #require((try second.json()["results"] as? [[String: Any]])?.first)
                #expect(small["responses_omitted"] as? Bool == false)
                #expect((small["responses"] as? [Any])?.count == 1)

                let verification = try await api.request(
                    .get,
                    "/api/v1/audits/\(audit.uuidString.lowercased())/verify/",
                    token: admin.access
                )
                #expect(verification.status == .ok)
                #expect(try verification.json()["evidence_checked"] as? Int == 21)
                #expect(
                    try verification.json()["mismatches"] as? [Any] == nil
                        || (try verification.json()["mismatches"] as? [Any])?.isEmpty == true
                )
            }
        }

        @Test func oneChecksAnswersAreStoredWithinTheLimit() throws {
            let big = GitHubResponse(url: "https://x/1", status: 200, headers: [:], body: Array(repeating: 0x61, count: 3_000_000))
            let small = GitHubResponse(url: "https://x/2", status: 200, headers: [:], body: Array("{\"a\":1}".utf8))
            let json = EvidenceHash.responsesJSON([big, small], limit: 1_000_000)
            #expect(json.utf8.count < 10_000)
            let stored = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])
            let summary = try #require(stored.first?["body"] as? String)
            #expect(summary.hasPrefix("omitted: 3000000 bytes, sha256 "))
            #expect(stored.last?["body"] as? String == "{\"a\":1}", "small bodies are kept")
        }
    }
}
