import Foundation
import Logging
import PostgresNIO
import TestSupport
import Testing

@testable import Core

@Suite("Audit scanner")
struct AuditScannerTests {
    static let fernetKey = AppConfig.Defaults.fernetKey

    struct Bed {
        let database: DatabaseSettings
        let organization: UUID
        let integration: UUID
        let github: FakeGitHub
    }

    /// Runs `body` with a database of its own (dropped after) holding an organization whose
    /// integration acts for GitHub organization `acme` via `token`, and the fake GitHub it talks to.
    static func withBed(
        token: String = "ghp_scanner",
        accountType: String = "Organization",
        _ body: (Bed) async throws -> Void
    ) async throws {
        let github = try await FakeGitHub()
        defer { github.shutdown() }
        github.configure { world in
            world.grants[token] = .init(login: "octocat")
            world.set("/orgs/acme", json: ["login": "acme", "two_factor_requirement_enabled": true])
            world.set(
                "/orgs/acme/repos",
                json: [["name": "api", "full_name": "acme/api", "owner": ["login": "acme"], "permissions": ["admin": true]]]
            )
            world.set("/user/repos", json: [["name": "dotfiles", "full_name": "octocat/dotfiles", "owner": ["login": "octocat"]]])
        }
        try await TestDatabase.withMigrated { database in
            let organization = try await IdentityFixtures.organization(database: database)
            let integration = try await IdentityFixtures.integration(
                in: organization,
                token: token,
                baseURL: github.apiURL,
                fernetKeys: [fernetKey],
                database: database,
                account: accountType == "Organization" ? "acme" : "octocat",
                accountType: accountType
            )
            try await body(Bed(database: database, organization: organization, integration: integration, github: github))
        }
    }

    /// Runs `body` with a scanner on the bed's database (reserve 50 calls, as in production).
    static func withScanner<Value: Sendable>(_ bed: Bed, _ body: (AuditScanner) async throws -> Value) async throws -> Value {
        var config = try TestEnvironment.config(database: bed.database)
        config.github.rateLimitReserve = 50
        let logger = Logger(label: "tests.scanner")
        return try await Infrastructure.withRunning(config: config, applicationName: "tests", logger: logger) { infrastructure in
            let github = GitHubClient(settings: config.github, redis: infrastructure.redis, logger: logger)
            let integrations = IntegrationService(
                postgres: infrastructure.postgres,
                github: github,
                fernet: try Fernet(keys: [fernetKey]),
                settings: config.github,
                logger: logger
            )
            return try await body(
                AuditScanner(postgres: infrastructure.postgres, integrations: integrations, github: github, logger: logger)
            )
        }
    }

    static func row(_ auditID: UUID, _ database: DatabaseSettings) async throws -> (
        status: String, reason: String?, notBefore: Date?, error: String?
    ) {
        try await TestDatabase.withConnection(database) { connection in
            let rows = try await connection.query(
                "SELECT status, pending_reason, not_before, error FROM audits WHERE id = \(auditID)",
                logger: Logger(label: "t")
            )
            for try await value in rows.decode((String, String?, Date?, String?).self) { return value }
            throw TestFailureReason.missing
        }
    }

    enum TestFailureReason: Error { case missing }

    @Test func aSpentRateLimitPostponesTheScanInsteadOfFailingIt() async throws {
        try await Self.withBed { bed in
            let reset = Int(Date.now.timeIntervalSince1970) + 600
            bed.github.configure {
                $0.rateRemaining = 51  // one call (the repository list), then the reserve of 50 stops the scan
                $0.rateReset = reset
            }
            let audit = try await IdentityFixtures.audit(
                in: bed.organization,
                status: "PENDING",
                database: bed.database,
                integration: bed.integration
            )
            let outcome = try await Self.withScanner(bed) { try await $0.scan(audit) }
            #expect(outcome == .rescheduled(Date(timeIntervalSince1970: TimeInterval(reset))))
            let row = try await Self.row(audit, bed.database)
            #expect(row.status == "PENDING")
            #expect(row.reason?.contains("rate limit") == true)
            #expect(row.notBefore == Date(timeIntervalSince1970: TimeInterval(reset)))
            #expect(row.error == nil)
        }
    }

    @Test func aRejectedCredentialEndsTheAuditWithAReadableError() async throws {
        try await Self.withBed(token: "ghp_revoked_since") { bed in
            bed.github.configure { $0.grants = [:] }  // GitHub no longer knows the token
            let audit = try await IdentityFixtures.audit(
                in: bed.organization,
                status: "PENDING",
                database: bed.database,
                integration: bed.integration
            )
            let outcome = try await Self.withScanner(bed) { try await $0.scan(audit) }
            #expect(outcome == .finished(.error))
            let row = try await Self.row(audit, bed.database)
            #expect(row.status == "ERROR")
            #expect(row.error?.contains("GitHub rejected the integration's credential") == true)
            #expect(row.error?.contains("ghp_revoked_since") == false)
        }
    }

    @Test func finishedAuditsAreNotScannedAgain() async throws {
        try await Self.withBed { bed in
            let audit = try await IdentityFixtures.audit(
                in: bed.organization,
                status: "CANCELED",
                database: bed.database,
                integration: bed.integration
            )
            let outcome = try await Self.withScanner(bed) { try await $0.scan(audit) }
            #expect(outcome == .alreadyFinished(.canceled))
            #expect(bed.github.requests.isEmpty)
        }
    }

    @Test func aUserAccountHasNoOrganizationChecks() async throws {
        try await Self.withBed(accountType: "User") { bed in
            let audit = try await IdentityFixtures.audit(
                in: bed.organization,
                status: "PENDING",
                database: bed.database,
                integration: bed.integration
            )
            _ = try await Self.withScanner(bed) { try await $0.scan(audit) }
            let resources = try await TestDatabase.withConnection(bed.database) { connection in
                let rows = try await connection.query(
                    "SELECT DISTINCT resource FROM evidence WHERE audit_id = \(audit)",
                    logger: Logger(label: "t")
                )
                var values: [String] = []
                for try await value in rows.decode(String.self) { values.append(value) }
                return values
            }
            #expect(!resources.isEmpty)
            #expect(!resources.contains("octocat"), "no organization-level evidence: there is no organization to check")
            #expect(resources.allSatisfy { $0 == "octocat/dotfiles" })
        }
    }

    @Test func rerunningAScanReplacesItsEvidence() async throws {
        try await Self.withBed { bed in
            let audit = try await IdentityFixtures.audit(
                in: bed.organization,
                status: "RUNNING",
                database: bed.database,
                integration: bed.integration
            )
            _ = try await Self.withScanner(bed) { try await $0.scan(audit) }
            let count = try await TestDatabase.withConnection(bed.database) { connection in
                // Pretend the first run died after storing: back to RUNNING, run again.
                try await connection.query("UPDATE audits SET status = 'RUNNING' WHERE id = \(audit)", logger: Logger(label: "t"))
                return 0
            }
            _ = count
            _ = try await Self.withScanner(bed) { try await $0.scan(audit) }
            let (rows, distinct) = try await TestDatabase.withConnection(bed.database) { connection in
                let result = try await connection.query(
                    "SELECT count(*), count(DISTINCT (check_id, resource)) FROM evidence WHERE audit_id = \(audit)",
                    logger: Logger(label: "t")
                )
                for try await value in result.decode((Int, Int).self) { return value }
                return (0, 0)
            }
            #expect(rows > 0)
            #expect(rows == distinct, "one row per check and resource, however often the scan ran")
        }
    }
}
