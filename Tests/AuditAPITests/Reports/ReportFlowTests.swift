import Crypto
import Foundation
import HTTPTypes
import Logging
import PostgresNIO
import TestSupport
import Testing

@testable import AuditAPI
@testable import Core

@Suite("Reports end to end")
struct ReportFlowTests {
    static let organization = "Müller & Søn 株式会社"

    /// Requests a report and waits until the worker has finished with it.
    static func settled(_ bed: AuditTestBed, report id: String, timeout: Duration = .seconds(60)) async throws -> [String: Any] {
        var latest: [String: Any] = [:]
        try await eventually(timeout: timeout, "report \(id) did not settle: \(latest)") {
            latest = try await bed.api.request(.get, "/api/v1/reports/\(id)/", token: bed.admin.access).json()
            return ["READY", "ERROR"].contains(latest["status"] as? String ?? "")
        }
        return latest
    }

    @Test func aWorkerRendersARealAuditIntoAPDFThatIsDownloadedWithItsHash() async throws {
        try await AuditTestBed.run(repositories: 3, organization: Self.organization) { bed in
            let auditID = try #require(try await bed.start().json()["id"] as? String)
            let audit = try await bed.finished(auditID)
            #expect(audit["status"] as? String == "FAIL")
            let digest = try #require(audit["evidence_digest"] as? String)

            let requested = try await bed.api.request(.post, "/api/v1/audits/\(auditID)/reports/", token: bed.admin.access)
            #expect(requested.status == .accepted, "\(requested.text)")
            let created = try requested.json()
            let reportID = try #require(created["id"] as? String)
            #expect(created["audit"] as? String == auditID)
            #expect(created["status"] as? String == "PENDING")
            #expect(created["created_at"] is String)
            #expect(
                created["size"] is NSNull && created["sha256"] is NSNull && created["error"] is NSNull && created["finished_at"] is NSNull
            )
            #expect(requested.headers[.location] == "/api/v1/reports/\(reportID)/")

            let report = try await Self.settled(bed, report: reportID)
            #expect(report["status"] as? String == "READY", "\(report)")
            let sha256 = try #require(report["sha256"] as? String)
            let size = try #require(report["size"] as? Int)
            #expect(report["error"] is NSNull)
            #expect(report["finished_at"] is String)

            let listed = try await bed.api.request(.get, "/api/v1/audits/\(auditID)/reports/", token: bed.admin.access).json()
            #expect(listed["count"] as? Int == 1)
            #expect((listed["results"] as? [[String: Any]])?.first?["id"] as? String == reportID)

            let download = try await bed.api.request(.get, "/api/v1/reports/\(reportID)/download/", token: bed.admin.access)
            #expect(download.status == .ok)
            #expect(download.headers[.contentType] == "application/pdf")
            let day = String((audit["finished_at"] as? String ?? "").prefix(10))
            let slug = try await Self.slug(bed)
            #expect(download.headers[.contentDisposition] == "attachment; filename=\"auditmate-\(slug)-\(day).pdf\"")
            #expect(download.headers[HTTPField.Name("ETag")!] == "\"\(sha256)\"")
            let bytes = Array(download.body.readableBytesView)
            #expect(bytes.count == size)
            #expect(Hex.encode(SHA256.hash(data: bytes)) == sha256)
            #expect(bytes.starts(with: Array("%PDF-".utf8)))

            let pdf = try PDFTools(bytes)
            defer { pdf.remove() }
            let pages = try await pdf.pageCount()
            let evidence = try await bed.evidence(auditID)
            #expect(pages > 5 && pages <= evidence.count, "\(pages) pages for \(evidence.count) evidence rows")
            let text = try await pdf.text()
            let flat = text.replacingOccurrences(of: "\n", with: " ")
            #expect(text.contains(Self.organization), "the organization name, Unicode intact")
            #expect(text.contains(digest))
            #expect(text.contains("Page 1 of \(pages)"))
            #expect(text.contains(auditID))
            let failedTitles = Set(evidence.filter { $0["status"] as? String == "FAIL" }.compactMap { $0["title"] as? String })
            #expect(!failedTitles.isEmpty)
            for title in failedTitles { #expect(flat.contains(title), "failed check \(title)") }
            for row in evidence { #expect(text.contains(row["sha256"] as? String ?? "missing"), "hash of \(row["check"] ?? "")") }

            // Conditional and HEAD requests.
            let notModified = try await bed.api.request(
                .get,
                "/api/v1/reports/\(reportID)/download/",
                token: bed.admin.access,
                headers: [.ifNoneMatch: "W/\"0000\", \"\(sha256)\""]
            )
            #expect(notModified.status == .notModified)
            #expect(notModified.body.readableBytes == 0)
            #expect(notModified.headers[HTTPField.Name("ETag")!] == "\"\(sha256)\"")
            let stale = try await bed.api.request(
                .get,
                "/api/v1/reports/\(reportID)/download/",
                token: bed.admin.access,
                headers: [.ifNoneMatch: "\"0000\""]
            )
            #expect(stale.status == .ok)
            let bare = try await bed.api.request(
                .get,
                "/api/v1/reports/\(reportID)/download/",
                token: bed.admin.access,
                headers: [.ifNoneMatch: sha256]
            )
            #expect(bare.status == .notModified)
            #expect(stale.body.readableBytes == size)
            let head = try await bed.api.request(.head, "/api/v1/reports/\(reportID)/download/", token: bed.admin.access)
            #expect(head.status == .ok)
            #expect(head.body.readableBytes == 0)
            #expect(head.headers[HTTPField.Name("ETag")!] == "\"\(sha256)\"")
            #expect(head.headers[.contentDisposition]?.hasPrefix("attachment; filename=\"auditmate-") == true)

            // Any member may download, VIEWER included; another organization sees nothing.
            let viewer = try await bed.api.join(bed.admin, role: "VIEWER")
            let viewed = try await bed.api.request(.get, "/api/v1/reports/\(reportID)/download/", token: viewer.access)
            #expect(viewed.status == .ok)
            #expect(viewed.body.readableBytes == size)
            let outsider = try await bed.api.register()
            for path in ["/api/v1/reports/\(reportID)/", "/api/v1/reports/\(reportID)/download/", "/api/v1/audits/\(auditID)/reports/"] {
                let response = try await bed.api.request(.get, path, token: outsider.access)
                #expect(response.status == .notFound, "\(path)")
            }
            let foreignCreate = try await bed.api.request(.post, "/api/v1/audits/\(auditID)/reports/", token: outsider.access)
            #expect(foreignCreate.status == .notFound)
        }
    }

    @Test func unfinishedAuditsUnreadyReportsAndThePremiumGate() async throws {
        try await AuditTestBed.run(worker: false) { bed in
            let organization = try #require(UUID(uuidString: bed.admin.organizationID))
            // No worker: the audit stays PENDING.
            let pending = try #require(try await bed.start().json()["id"] as? String)
            let early = try await bed.api.request(.post, "/api/v1/audits/\(pending)/reports/", token: bed.admin.access)
            #expect(early.status == .conflict)
            #expect((try early.json()["detail"] as? String)?.contains("has not finished") == true)

            let finished = try await IdentityFixtures.audit(in: organization, status: "PASS", database: bed.config.database)
            let created = try await bed.api.request(.post, "/api/v1/audits/\(finished.apiString)/reports/", token: bed.admin.access)
            #expect(created.status == .accepted)
            let reportID = try #require(try created.json()["id"] as? String)
            #expect(try await bed.queue.redis.send("LLEN", bed.queue.prefix + "reports").int == 1)
            let notReady = try await bed.api.request(.get, "/api/v1/reports/\(reportID)/download/", token: bed.admin.access)
            #expect(notReady.status == .conflict)
            #expect((try notReady.json()["detail"] as? String)?.contains("not ready") == true)

            let viewer = try await bed.api.join(bed.admin, role: "VIEWER")
            let refused = try await bed.api.request(.post, "/api/v1/audits/\(finished.apiString)/reports/", token: viewer.access)
            #expect(refused.status == .forbidden)

            try await TestDatabase.withConnection(bed.config.database) { connection in
                try await connection.query(
                    "UPDATE organizations SET trial_ends_at = now() - interval '1 hour' WHERE id = \(organization)",
                    logger: Logger(label: "t")
                )
            }
            let unpaid = try await bed.api.request(.post, "/api/v1/audits/\(finished.apiString)/reports/", token: bed.admin.access)
            #expect(unpaid.status.code == 402)
            #expect(try unpaid.json()["detail"] as? String == "An active subscription is required.")
            // Reading and downloading need no subscription.
            #expect(try await bed.api.request(.get, "/api/v1/reports/\(reportID)/", token: viewer.access).status == .ok)

            // Bad input answers as DRF does, never 500.
            for path in ["/api/v1/reports/not-a-uuid/", "/api/v1/reports/not-a-uuid/download/", "/api/v1/audits/42/reports/"] {
                let response = try await bed.api.request(.get, path, token: bed.admin.access)
                #expect(response.status == .notFound, "\(path)")
                #expect(try response.json()["detail"] as? String == "Not found.", "\(path)")
            }
            let pastTheEnd = try await bed.api.request(
                .get,
                "/api/v1/audits/\(finished.apiString)/reports/?page=9",
                token: bed.admin.access
            )
            #expect(pastTheEnd.status == .notFound)
            #expect(try pastTheEnd.json()["detail"] as? String == "Invalid page.")
            let listed = try await bed.api.request(.get, "/api/v1/audits/\(finished.apiString)/reports/", token: viewer.access).json()
            #expect(listed["count"] as? Int == 1)
            #expect(listed["next"] is NSNull && listed["previous"] is NSNull)
            #expect((listed["results"] as? [[String: Any]])?.first?["status"] as? String == "PENDING")
        }
    }

    @Test func aReportThatCannotBeRenderedIsMarkedErrorByTheWorker() async throws {
        try await AuditTestBed.run(repositories: 1) { bed in
            let organization = try #require(UUID(uuidString: bed.admin.organizationID))
            let audit = try await IdentityFixtures.audit(in: organization, status: "PASS", database: bed.config.database)
            let logger = Logger(label: "t")
            // The audit turns unusable between the request and the rendering.
            let reportID = try await Infrastructure.withRunning(config: bed.config, applicationName: "tests", logger: logger) {
                infrastructure in
                let unpublished = ReportService(postgres: infrastructure.postgres, dispatch: { _ in }, logger: logger)
                let principal = Principal(
                    userID: try #require(UUID(uuidString: bed.admin.userID)),
                    email: bed.admin.email,
                    organizationID: organization,
                    role: .admin,
                    credential: .bearer(familyID: UUID()),
                    premiumAllowed: true
                )
                let report = try await unpublished.create(principal, auditID: audit)
                try await infrastructure.postgres.query("UPDATE audits SET status = 'ERROR' WHERE id = \(audit)", logger: logger)
                try await infrastructure.postgres.query("UPDATE reports SET enqueued_at = NULL WHERE id = \(report.id)", logger: logger)
                // The reconciler publishes it, as beat's job would.
                #expect(
                    try await ReportService(postgres: infrastructure.postgres, broker: bed.queue.broker, logger: logger).reconcile() == 1
                )
                return report.id.apiString
            }
            let report = try await Self.settled(bed, report: reportID)
            #expect(report["status"] as? String == "ERROR")
            let error = try #require(report["error"] as? String)
            #expect(error.hasPrefix("Rendering the report failed: "), "\(error)")
            #expect(error.contains("PASS or FAIL"), "\(error)")
            let download = try await bed.api.request(.get, "/api/v1/reports/\(reportID)/download/", token: bed.admin.access)
            #expect(download.status == .conflict)
            #expect((try download.json()["detail"] as? String)?.contains("could not be rendered") == true)
        }
    }

    /// A storage failure injected by a trigger: the first `failures` attempts to store report `id`'s
    /// PDF fail (a sequence counts attempts, since it is not rolled back with them).
    static func injectFaults(_ bed: AuditTestBed, report id: String, failures: Int) async throws {
        let sequence = "report_fault_" + id.replacingOccurrences(of: "-", with: "_")
        try await TestDatabase.withConnection(bed.config.database) { connection in
            let logger = Logger(label: "t")
            try await connection.query("CREATE SEQUENCE \(unescaped: sequence)", logger: logger)
            try await connection.query(
                """
                CREATE OR REPLACE FUNCTION \(unescaped: sequence)() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF NEW.status = 'READY' AND nextval('\(unescaped: sequence)') <= \(unescaped: String(failures)) THEN
                        RAISE EXCEPTION 'injected storage failure %', currval('\(unescaped: sequence)');
                    END IF;
                    RETURN NEW;
                END $$
                """,
                logger: logger
            )
            try await connection.query(
                """
                CREATE TRIGGER \(unescaped: sequence) BEFORE UPDATE ON reports FOR EACH ROW
                WHEN (NEW.id = '\(unescaped: id)') EXECUTE FUNCTION \(unescaped: sequence)()
                """,
                logger: logger
            )
        }
    }

    /// Attempts to store report `id` so far.
    static func attempts(_ bed: AuditTestBed, report id: String) async throws -> Int {
        let sequence = "report_fault_" + id.replacingOccurrences(of: "-", with: "_")
        return try await TestDatabase.withConnection(bed.config.database) { connection in
            let rows = try await connection.query(
                "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM \(unescaped: sequence)",
                logger: Logger(label: "t")
            )
            for try await value in rows.decode(Int.self) { return value }
            return 0
        }
    }

    @Test func aFailedRenderingIsRetriedByTheTaskPolicyThenMarkedErrorWithItsReason() async throws {
        try await AuditTestBed.run(repositories: 1, worker: false) { bed in
            let organization = try #require(UUID(uuidString: bed.admin.organizationID))
            let audit = try await IdentityFixtures.audit(in: organization, status: "FAIL", database: bed.config.database)
            // One active report per audit: the second rendering is of another audit.
            let other = try await IdentityFixtures.audit(in: organization, status: "FAIL", database: bed.config.database)
            // Requested before the worker starts, so the faults are in place before the first attempt.
            let once = try #require(
                try await bed.api.request(.post, "/api/v1/audits/\(audit.apiString)/reports/", token: bed.admin.access).json()["id"]
                    as? String
            )
            let always = try #require(
                try await bed.api.request(.post, "/api/v1/audits/\(other.apiString)/reports/", token: bed.admin.access).json()["id"]
                    as? String
            )
            try await Self.injectFaults(bed, report: once, failures: 1)
            try await Self.injectFaults(bed, report: always, failures: 1_000)
            let policy = GenerateReportTask.declaration.retry

            try await bed.withWorker {
                let recovered = try await Self.settled(bed, report: once)
                #expect(recovered["status"] as? String == "READY", "\(recovered)")
                #expect(recovered["error"] is NSNull)
                #expect(try await Self.attempts(bed, report: once) == 2)

                // Worst case with full jitter: 5 + 10 + 20 s of backoff.
                let failed = try await Self.settled(bed, report: always, timeout: .seconds(90))
                #expect(failed["status"] as? String == "ERROR")
                let error = try #require(failed["error"] as? String)
                #expect(error.hasPrefix("Rendering the report failed: "), "\(error)")
                #expect(error.contains("injected storage failure \(policy.maxRetries + 1)"), "\(error)")
                #expect(try await Self.attempts(bed, report: always) == policy.maxRetries + 1)
                #expect(failed["sha256"] is NSNull && failed["size"] is NSNull && failed["finished_at"] is String)
            }
        }
    }

    static func slug(_ bed: AuditTestBed) async throws -> String {
        let organization = try await bed.api.request(.get, "/api/v1/organizations/current/", token: bed.admin.access).json()
        return organization["slug"] as? String ?? ""
    }
}
