import Core
import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("AuditWorker process")
struct WorkerProcessTests {
    let binary = TestEnvironment.binDirectory.appendingPathComponent("AuditWorker")

    @Test func checkPassesWithWorkingDependencies() async throws {
        try await TestDatabase.withMigrated { database in
            let result = try await ChildProcess.run(
                binary,
                arguments: ["check"],
                environment: TestEnvironment.processEnvironment(database: database)
            )
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
            let lines = result.stdout.split(separator: "\n").map(String.init)
            #expect(lines.first == "configuration: ok (development)")
            #expect(lines.contains { $0.hasPrefix("postgres: ok (127.0.0.1:") })
            #expect(lines.contains { $0.hasPrefix("redis: ok (127.0.0.1:") })
            #expect(lines.contains("migrations: up to date"))
        }
    }

    @Test func checkFailsNamingTheBrokenDependency() async throws {
        try await TestDatabase.withMigrated { database in
            let deadPort = try freeLoopbackPort()
            let environment = TestEnvironment.processEnvironment(database: database, redisURL: "redis://127.0.0.1:\(deadPort)/0")
            let result = try await ChildProcess.run(binary, arguments: ["check"], environment: environment)
            #expect(result.status == 1)
            #expect(result.stdout.contains("postgres: ok"))
            #expect(result.stdout.contains("redis: FAILED"))
            #expect(result.stdout.contains("127.0.0.1:\(deadPort)"))
        }
    }

    @Test func checkReportsPendingMigrationsAsFatalInProduction() async throws {
        try await TestDatabase.withEmpty { database in
            var environment = TestEnvironment.processEnvironment(database: database)
            environment.merge(TestEnvironment.productionSettings) { _, new in new }
            let result = try await ChildProcess.run(binary, arguments: ["check"], environment: environment)
            #expect(result.status == 1)
            #expect(result.stdout.contains("migrations: \(try Migration.bundled().count) pending (0001_organizations, "))
        }
    }

    @Test func checkRejectsBadConfiguration() async throws {
        var environment = TestEnvironment.processEnvironment(database: TestEnvironment.adminDatabase)
        environment["REDIS_URL"] = "redis://localhost:6379/42"
        let result = try await ChildProcess.run(binary, arguments: ["check"], environment: environment)
        #expect(result.status == 78)
        #expect(result.stderr == "configuration error: REDIS_URL: database must be a number from 0 to 15, got \"42\"\n")
    }

    @Test func workerStartsAndStopsCleanlyOnSIGTERM() async throws {
        try await TestDatabase.withEmpty { database in
            var environment = TestEnvironment.processEnvironment(database: database)
            environment["LOG_LEVEL"] = "info"
            let worker = try ChildProcess(binary, environment: environment)
            do {
                try await eventually("the worker never reported ready") { worker.stderr.contains("worker ready") }
                // Development applies migrations at start-up.
                let pending = try await TestDatabase.withConnection(database) { connection in
                    try await Migrator(migrations: Migration.bundled(), logger: .init(label: "t")).pending(on: connection)
                }
                #expect(pending.isEmpty)
                worker.signal(SIGTERM)
                #expect(try await worker.waitForExit(timeout: .seconds(30)) == 0)
                #expect(worker.stderr.contains("worker stopped"))
            } catch {
                await worker.terminate()
                throw error
            }
        }
    }

    @Test func workerGivesUpOnUnreachableDependenciesWithAClearError() async throws {
        var database = TestEnvironment.adminDatabase
        database.port = try freeLoopbackPort()
        let result = try await ChildProcess.run(
            binary,
            arguments: ["worker", "--startup-timeout", "3"],
            environment: TestEnvironment.processEnvironment(database: database)
        )
        #expect(result.status == 1)
        // Warnings while it waited come first; the last line says why it gave up.
        let last = result.stderr.split(separator: "\n").last.map(String.init) ?? ""
        #expect(last.hasPrefix("error: dependencies unavailable: postgres:"))
        #expect(last.contains("Connection refused"))
    }

    @Test func healthcheckAsksTheMetricsPortsLivenessProbe() async throws {
        try await TestDatabase.withMigrated { database in
            let port = try freeLoopbackPort()
            var environment = TestEnvironment.processEnvironment(database: database)
            environment["LOG_LEVEL"] = "info"
            let worker = try ChildProcess(binary, arguments: ["worker", "--metrics-port", "\(port)"], environment: environment)
            do {
                try await eventually("the worker never served metrics") { worker.stderr.contains("metrics listening") }
                let probe = try await LocalProbe.get("http://127.0.0.1:\(port)/healthz")
                #expect((probe.status, probe.body) == (200, "ok\n"))
                #expect(try await LocalProbe.get("http://127.0.0.1:\(port)/elsewhere").status == 404)
                let healthy = try await ChildProcess.run(
                    binary,
                    arguments: ["healthcheck", "--metrics-port", "\(port)"],
                    environment: environment
                )
                #expect(healthy.status == 0, "\(healthy.stderr)")
                await worker.terminate()
            } catch {
                await worker.terminate()
                throw error
            }
            // Nothing listens any more: the probe fails, saying where it looked.
            let unhealthy = try await ChildProcess.run(binary, arguments: ["healthcheck", "--metrics-port", "\(port)"], environment: [:])
            #expect(unhealthy.status == 1)
            #expect(unhealthy.stderr.hasPrefix("unhealthy: http://127.0.0.1:\(port)/healthz"))
        }
    }
}
