import Crypto
import Foundation
import Logging
import PostgresNIO
import TestSupport
import Testing

@testable import Core

/// The reports domain on a real database: requests, states, the worker's generator, the failure
/// hook and the reconciler.
@Suite("Reports domain")
struct ReportServiceTests {
    static let logger = Logger(label: "auditmate.tests.reports")

    struct Bed {
        let config: AppConfig
        let infrastructure: Infrastructure
        let queue: QueueTestKit
        let organization: UUID
        let user: UUID

        var service: ReportService { ReportService(postgres: infrastructure.postgres, broker: queue.broker, logger: logger) }

        func principal(role: Role = .member, premium: Bool = true, organization: UUID? = nil) -> Principal {
            Principal(
                userID: user,
                email: "member@example.com",
                organizationID: organization ?? self.organization,
                role: role,
                credential: .bearer(familyID: UUID()),
                premiumAllowed: premium
            )
        }

        func sql<Value: PostgresDecodable & Sendable>(_ query: PostgresQuery, as: Value.Type) async throws -> Value? {
            let rows = try await infrastructure.postgres.query(query, logger: logger)
            for try await value in rows.decode(Value.self) { return value }
            return nil
        }
    }

    static func withBed(_ body: (Bed) async throws -> Void) async throws {
        try await TestDatabase.withMigrated { database in
            try await withQueueTestKit(database: database) { queue in
                let config = try TestEnvironment.config(database: database, extra: ["QUEUE_KEY_PREFIX": queue.prefix])
                let organization = try await IdentityFixtures.organization(database: database)
                let user = try await IdentityFixtures.member(in: organization, role: .member, database: database)
                try await Infrastructure.withRunning(config: config, applicationName: "tests", logger: logger) { infrastructure in
                    try await body(
                        Bed(config: config, infrastructure: infrastructure, queue: queue, organization: organization, user: user)
                    )
                }
            }
        }
    }

    @Test func requestingAReportWritesItThenQueuesItsRendering() async throws {
        try await Self.withBed { bed in
            let audit = try await IdentityFixtures.audit(in: bed.organization, status: "FAIL", database: bed.config.database)
            let report = try await bed.service.create(bed.principal(), auditID: audit)
            #expect(report.status == .pending)
            #expect(report.auditID == audit)
            #expect(report.size == nil && report.sha256 == nil && report.error == nil && report.finishedAt == nil)
            let queued = try await bed.queue.redis.send("LLEN", bed.queue.prefix + "reports").int
            #expect(queued == 1)
            let enqueued = try await bed.sql("SELECT enqueued_at IS NOT NULL FROM reports WHERE id = \(report.id)", as: Bool.self)
            #expect(enqueued == true)
        }
    }

    @Test func refusalsComeInOrderNotFoundRolePremiumThenState() async throws {
        try await Self.withBed { bed in
            let finished = try await IdentityFixtures.audit(in: bed.organization, status: "PASS", database: bed.config.database)
            let running = try await IdentityFixtures.audit(in: bed.organization, status: "RUNNING", database: bed.config.database)
            let canceled = try await IdentityFixtures.audit(in: bed.organization, status: "CANCELED", database: bed.config.database)
            let other = try await IdentityFixtures.organization(database: bed.config.database)
            let foreign = try await IdentityFixtures.audit(in: other, status: "PASS", database: bed.config.database)

            await #expect(throws: NotFound(.audit)) { try await bed.service.create(bed.principal(), auditID: foreign) }
            await #expect(throws: NotFound(.audit)) { try await bed.service.create(bed.principal(role: .viewer), auditID: foreign) }
            await #expect(throws: IdentityError.permissionDenied) {
                try await bed.service.create(bed.principal(role: .viewer), auditID: finished)
            }
            await #expect(throws: IdentityError.paymentRequired) {
                try await bed.service.create(bed.principal(premium: false), auditID: finished)
            }
            await #expect(throws: ReportError.self) { try await bed.service.create(bed.principal(), auditID: running) }
            await #expect(throws: ReportError.self) { try await bed.service.create(bed.principal(), auditID: canceled) }
            let count = try await bed.sql("SELECT count(*) FROM reports", as: Int.self)
            #expect(count == 0)
        }
    }

    @Test func theWorkerRendersStoresTheHashAndADuplicateMessageIsHarmless() async throws {
        try await Self.withBed { bed in
            let audit = try await IdentityFixtures.audit(in: bed.organization, status: "FAIL", database: bed.config.database)
            try await Self.insertEvidence(audit: audit, rows: 12, hugeBody: 3_000_000, database: bed.infrastructure)
            let report = try await bed.service.create(bed.principal(), auditID: audit)
            let generator = ReportGenerator(postgres: bed.infrastructure.postgres, logger: Self.logger)

            // Only the excerpt of the 3 MB body leaves the database.
            let content = try await generator.load(reportID: report.id, auditID: audit, requestedAt: report.createdAt)
            #expect(content.evidence.count == 12)
            let bodies = content.evidence.flatMap(\.responses)
            #expect(bodies.allSatisfy { $0.body.count <= ReportLimits().bodyCharacters })
            #expect(bodies.contains { $0.length == 3_000_000 })

            guard case .rendered(let pages, let size, let sha256) = try await generator.generate(report.id) else {
                Issue.record("not rendered")
                return
            }
            let stored = try await bed.service.report(bed.principal(role: .viewer), id: report.id)
            #expect(stored.status == .ready)
            #expect(stored.size == size && stored.sha256 == sha256 && stored.pages == pages)
            #expect(stored.finishedAt != nil && stored.error == nil)
            let download = try await bed.service.download(bed.principal(role: .viewer), id: report.id)
            let bytes = try await bed.service.bytes(of: download)
            #expect(bytes.count == size)
            #expect(Hex.encode(Crypto.SHA256.hash(data: bytes)) == sha256)
            #expect(download.filename.hasPrefix("auditmate-fixture-") && download.filename.hasSuffix(".pdf"))

            #expect(try await generator.generate(report.id) == .alreadyReady)
        }
    }

    @Test func theFailureHookMarksTheReportErrorWithAReadableReason() async throws {
        try await Self.withBed { bed in
            let audit = try await IdentityFixtures.audit(in: bed.organization, status: "PASS", database: bed.config.database)
            let report = try await bed.service.create(bed.principal(), auditID: audit)
            try await GenerateReportTask(reportID: report.id).recordFailure(
                TaskFailure.transient("cairo failed while writing page 3: out of memory"),
                using: bed.infrastructure
            )
            let failed = try await bed.service.report(bed.principal(), id: report.id)
            #expect(failed.status == .error)
            #expect(failed.error == "Rendering the report failed: cairo failed while writing page 3: out of memory")
            #expect(failed.finishedAt != nil)
            await #expect(throws: ReportError.self) { try await bed.service.download(bed.principal(), id: report.id) }
        }
    }

    @Test func aReportOfAnUnusableAuditFailsPermanently() async throws {
        try await Self.withBed { bed in
            let audit = try await IdentityFixtures.audit(in: bed.organization, status: "PASS", database: bed.config.database)
            let report = try await bed.service.create(bed.principal(), auditID: audit)
            try await bed.infrastructure.postgres.query("UPDATE audits SET status = 'ERROR' WHERE id = \(audit)", logger: Self.logger)
            let generator = ReportGenerator(postgres: bed.infrastructure.postgres, logger: Self.logger)
            await #expect(throws: ReportGenerator.PermanentFailure.self) { try await generator.generate(report.id) }
            await #expect(throws: ReportGenerator.PermanentFailure.self) { try await generator.generate(UUID()) }
        }
    }

    @Test func theReconcilerPublishesReportsWhoseMessageNeverMadeIt() async throws {
        try await Self.withBed { bed in
            let audit = try await IdentityFixtures.audit(in: bed.organization, status: "PASS", database: bed.config.database)
            let unpublished = ReportService(
                postgres: bed.infrastructure.postgres,
                dispatch: { _ in throw RedisError.connection("Redis is down") },
                logger: Self.logger
            )
            let report = try await unpublished.create(bed.principal(), auditID: audit)
            #expect(report.status == .pending)
            #expect(try await bed.queue.redis.send("LLEN", bed.queue.prefix + "reports").int == 0)
            #expect(try await bed.service.reconcile() == 1)
            #expect(try await bed.queue.redis.send("LLEN", bed.queue.prefix + "reports").int == 1)
            #expect(try await bed.service.reconcile() == 0, "published now: nothing left to do")
        }
    }

    /// `rows` evidence rows of `audit`, the first with a body of `hugeBody` characters.
    static func insertEvidence(audit: UUID, rows: Int, hugeBody: Int, database infrastructure: Infrastructure) async throws {
        let checks = CheckCatalogue.all.map(\.definition)
        for index in 0..<rows {
            let check = checks[index % checks.count]
            let body =
                index == 0
                ? "{\"blob\":\"" + String(repeating: "x", count: hugeBody - 11) + "\"}"
                : ReportContentFixture.repositoryBody("repo-\(index)", index: index)
            let responses = EvidenceHash.canonical([
                [
                    "method": "GET", "url": "https://api.github.com/repos/acme/repo-\(index)", "status": 200, "headers": [String: String](),
                    "body": body, "revalidated": false,
                ]
            ])
            let status = index % 3 == 0 ? "FAIL" : "PASS"
            try await infrastructure.postgres.query(
                """
                INSERT INTO evidence (audit_id, check_id, resource, status, severity, soc2, iso27001, sentence, responses, collected_at, sha256)
                VALUES (\(audit), \(check.id), \("acme/repo-\(index)"), \(status), \(check.severity.rawValue), \(check.controls.soc2),
                        \(check.controls.iso27001), 'seen', \(responses)::jsonb, now(), \(String(repeating: "c", count: 64)))
                """,
                logger: logger
            )
        }
    }
}
