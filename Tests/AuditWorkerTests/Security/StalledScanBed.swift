import Core
import Foundation
import Logging
import PostgresNIO
import TestSupport

/// An audit whose scan never finishes on its own: its integration points at a GitHub that accepts
/// connections and never answers, so a worker running the scan holds it (RUNNING, heart-beating)
/// until the test kills that worker. A database and a queue prefix of the test's own, with a short
/// visibility timeout so dead workers' messages come back within seconds.
struct StalledScanBed: Sendable {
    static let visibilityTimeout = 2

    let database: DatabaseSettings
    let kit: QueueTestKit
    let github: SilentListener
    let organization: UUID
    let audit: UUID
    let logger: Logger

    static func run(_ body: @Sendable (StalledScanBed) async throws -> Void) async throws {
        try await TestDatabase.withMigrated { database in
            try await withQueueTestKit(database: database, visibilityTimeout: visibilityTimeout) { kit in
                let github = try SilentListener()
                defer { github.close() }
                var logger = Logger(label: "tests.security")
                logger.logLevel = .critical
                let organization = try await IdentityFixtures.organization(database: database)
                let integration = try await IdentityFixtures.integration(
                    in: organization,
                    token: "ghp_stalled",
                    baseURL: "http://127.0.0.1:\(github.port)",
                    fernetKeys: try TestEnvironment.config(database: database).secrets.fernetKeys,
                    database: database
                )
                let audit = try await IdentityFixtures.audit(
                    in: organization,
                    status: "PENDING",
                    database: database,
                    integration: integration
                )
                let bed = StalledScanBed(
                    database: database,
                    kit: kit,
                    github: github,
                    organization: organization,
                    audit: audit,
                    logger: logger
                )
                try await body(bed)
            }
        }
    }

    /// `AuditWorker worker` on the `scans` queue with one slot; GitHub requests may hang far longer
    /// than any test waits, so no scan ever fails on its own.
    func startWorker(_ extra: [String] = []) throws -> ChildProcess {
        var environment = kit.environment
        environment["GITHUB_TIMEOUT_SECONDS"] = "300"
        return try ChildProcess(
            TestEnvironment.binDirectory.appendingPathComponent("AuditWorker"),
            arguments: ["worker", "--queues", "scans", "--concurrency", "1"] + extra,
            environment: environment
        )
    }

    /// Starts a worker and waits until it runs the scan: the audit claimed (RUNNING) by this
    /// worker and its request stuck on the silent GitHub.
    func startWorkerRunningTheScan(_ extra: [String] = []) async throws -> ChildProcess {
        let connections = github.connectionCount
        let worker = try startWorker(extra)
        do {
            try await eventually(timeout: .seconds(30), "the worker never started the scan: \(worker.stderr)") {
                worker.stderr.contains("task started") && github.connectionCount > connections
            }
        } catch {
            await worker.terminate()
            throw error
        }
        return worker
    }

    /// The audit's status, error and heartbeat.
    func auditRow() async throws -> (status: String, error: String?, heartbeatAt: Date?, pendingReason: String?, scanTaskID: String?) {
        try await TestDatabase.withConnection(database) { connection in
            let rows = try await connection.query(
                "SELECT status, error, heartbeat_at, pending_reason, scan_task_id FROM audits WHERE id = \(audit)",
                logger: logger
            )
            for try await row in rows.decode((String, String?, Date?, String?, String?).self) {
                return (row.0, row.1, row.2, row.3, row.4)
            }
            throw MissingAudit()
        }
    }

    func sql(_ query: PostgresQuery) async throws {
        try await TestDatabase.withConnection(database) { connection in
            _ = try await connection.query(query, logger: logger)
        }
    }
}

struct MissingAudit: Error {}
