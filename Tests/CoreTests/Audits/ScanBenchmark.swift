import Foundation
import Logging
import TestSupport
import Testing

@testable import Core

/// Not a test: the scan benchmark of issue 6, run by `bash deploy/local/benchmark-scan.sh`. It prints
/// figures and asserts nothing about time.
@Suite("Scan benchmark", .enabled(if: ProcessInfo.processInfo.environment["AUDITMATE_BENCHMARK"] == "scan"))
struct ScanBenchmark {
    @Test func wholeOrganizationScanAndRescan() async throws {
        let repositories = Int(ProcessInfo.processInfo.environment["AUDITMATE_BENCHMARK_REPOSITORIES"] ?? "") ?? 200
        let latency = Int(ProcessInfo.processInfo.environment["AUDITMATE_BENCHMARK_LATENCY_MS"] ?? "") ?? 20
        let github = try await FakeGitHub()
        defer { github.shutdown() }
        github.configure { world in
            world.grants["ghp_benchmark"] = .init(login: "octocat")
            world.rateLimit = 1_000_000
            world.rateRemaining = 1_000_000
            world.latency = .milliseconds(latency)
            GitHubOrganizationFixture.populate(&world, login: "acme", repositories: repositories)
        }
        try await TestDatabase.withMigrated { database in
            let organization = try await IdentityFixtures.organization(database: database)
            let integration = try await IdentityFixtures.integration(
                in: organization,
                token: "ghp_benchmark",
                baseURL: github.apiURL,
                fernetKeys: [AppConfig.Defaults.fernetKey],
                database: database,
                account: "acme",
                accountType: "Organization"
            )
            let bed = AuditScannerTests.Bed(database: database, organization: organization, integration: integration, github: github)
            var lines = [
                "scan benchmark: \(repositories) repositories, \(CheckCatalogue.all.count) checks, \(latency) ms added per GitHub call, one scanner (concurrency 4, 4 calls in flight per credential)"
            ]
            for run in ["scan", "rescan"] {
                let audit = try await IdentityFixtures.audit(
                    in: organization,
                    status: "PENDING",
                    database: database,
                    integration: integration
                )
                let before = github.requests.count
                let clock = ContinuousClock()
                let started = clock.now
                let outcome = try await AuditScannerTests.withScanner(bed) { try await $0.scan(audit) }
                let elapsed = clock.now - started
                let requests = github.requests.dropFirst(before)
                let notModified = requests.filter { $0.status == 304 }.count
                let evidence = try await TestDatabase.withConnection(database) { connection in
                    let rows = try await connection.query(
                        "SELECT count(*) FROM evidence WHERE audit_id = \(audit)",
                        logger: Logger(label: "b")
                    )
                    for try await count in rows.decode(Int.self) { return count }
                    return 0
                }
                lines.append(
                    String(
                        format: "%@: %.2f s, outcome %@, %d GitHub calls, %d answered 304 (%.1f %%), %d evidence rows",
                        run,
                        Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18,
                        "\(outcome)",
                        requests.count,
                        notModified,
                        requests.isEmpty ? 0 : Double(notModified) * 100 / Double(requests.count),
                        evidence
                    )
                )
            }
            print(lines.joined(separator: "\n"))
            #expect(lines.count == 3)
        }
    }
}
