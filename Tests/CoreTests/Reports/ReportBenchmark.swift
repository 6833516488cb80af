import Foundation
import Logging
import TestSupport
import Testing

@testable import Core

#if canImport(Glibc)
    import Glibc
#endif

/// Not a test: the report rendering benchmark of issue 7, run by `bash deploy/local/benchmark-report.sh`.
/// It prints figures and asserts nothing about time.
@Suite("Report benchmark", .enabled(if: ProcessInfo.processInfo.environment["AUDITMATE_BENCHMARK"] == "report"))
struct ReportBenchmark {
    static var rows: Int { Int(ProcessInfo.processInfo.environment["AUDITMATE_BENCHMARK_ROWS"] ?? "") ?? 500 }
    static var runs: Int { Int(ProcessInfo.processInfo.environment["AUDITMATE_BENCHMARK_RUNS"] ?? "") ?? 5 }

    /// Wall and CPU seconds of `body`.
    static func measure<Value>(_ body: () throws -> Value) rethrows -> (Value, wall: Double, cpu: Double) {
        let cpuStart = Double(clock()) / Double(CLOCKS_PER_SEC)
        let start = ContinuousClock.now
        let value = try body()
        let elapsed = ContinuousClock.now - start
        let wall = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return (value, wall, Double(clock()) / Double(CLOCKS_PER_SEC) - cpuStart)
    }

    static var maxRSS: Int {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return usage.ru_maxrss / 1024
    }

    static func load() -> String {
        (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3).joined(separator: " ") ?? "?"
    }

    @Test func renderFiveHundredEvidenceRows() async throws {
        let content = ReportContentFixture.content(rows: Self.rows)
        var lines = ["report benchmark: \(Self.rows) evidence rows, \(Self.runs) runs, load average \(Self.load())"]
        _ = try ReportRenderer.render(ReportContentFixture.content(rows: 5))  // fonts loaded once per thread
        var walls: [Double] = []
        for run in 1...Self.runs {
            let (rendered, wall, cpu) = try Self.measure { try ReportRenderer.render(content) }
            walls.append(wall)
            lines.append(
                String(
                    format: "render %d: %.3f s wall, %.3f s CPU, %d pages, %d bytes",
                    run,
                    wall,
                    cpu,
                    rendered.pages,
                    rendered.bytes.count
                )
            )
        }
        lines.append(
            String(
                format: "render median %.3f s, best %.3f s; peak RSS %d MiB",
                walls.sorted()[walls.count / 2],
                walls.min() ?? 0,
                Self.maxRSS
            )
        )

        // The whole task: read the evidence from PostgreSQL (one 5 MB answer among them), render, store.
        try await TestDatabase.withMigrated { database in
            let config = try TestEnvironment.config(database: database)
            let organization = try await IdentityFixtures.organization(database: database)
            let audit = try await IdentityFixtures.audit(in: organization, status: "FAIL", database: database)
            let logger = Logger(label: "benchmark")
            try await Infrastructure.withRunning(config: config, applicationName: "benchmark", logger: logger) { infrastructure in
                try await ReportServiceTests.insertEvidence(audit: audit, rows: Self.rows, hugeBody: 5_000_000, database: infrastructure)
                let generator = ReportGenerator(postgres: infrastructure.postgres, logger: logger)
                for run in 1...3 {
                    let rows = try await infrastructure.postgres.query(
                        "INSERT INTO reports (organization_id, audit_id) VALUES (\(organization), \(audit)) RETURNING id",
                        logger: logger
                    )
                    var id = UUID()
                    for try await value in rows.decode(UUID.self) { id = value }
                    let start = ContinuousClock.now
                    let outcome = try await generator.generate(id)
                    let elapsed = ContinuousClock.now - start
                    lines.append(
                        String(
                            format: "task %d (load + render + store, one 5 MB answer): %.3f s, %@, peak RSS %d MiB",
                            run,
                            Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18,
                            "\(outcome)",
                            Self.maxRSS
                        )
                    )
                }
            }
            print(lines.joined(separator: "\n"))
            #expect(walls.count == Self.runs)
        }
    }
}
