import Core
import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The real `AuditAPI` executable: configuration errors, migrations, production start-up rules and
/// graceful shutdown.
@Suite("AuditAPI process")
struct ProcessLifecycleTests {
    let binary = TestEnvironment.binDirectory.appendingPathComponent("AuditAPI")

    static var productionSecrets: [String: String] { TestEnvironment.productionSettings }

    @Test func malformedConfigurationStopsWithOneLine() async throws {
        let database = TestEnvironment.adminDatabase
        var environment = TestEnvironment.processEnvironment(database: database)
        environment["PORT"] = "70000"
        let result = try await ChildProcess.run(binary, environment: environment)
        #expect(result.status == 78)
        #expect(result.stderr == "configuration error: PORT: must be an integer from 1 to 65535, got \"70000\"\n")
    }

    @Test func productionRefusesMissingSecrets() async throws {
        var environment = TestEnvironment.processEnvironment(database: TestEnvironment.adminDatabase)
        environment.merge(Self.productionSecrets) { _, new in new }
        environment["JWT_SIGNING_KEY"] = nil
        let result = try await ChildProcess.run(binary, environment: environment)
        #expect(result.status == 78)
        #expect(result.stderr == "configuration error: JWT_SIGNING_KEY: is required in production\n")
    }

    @Test func productionWaitsForMigrateAndMigrateIsIdempotent() async throws {
        try await TestDatabase.withEmpty { database in
            var environment = TestEnvironment.processEnvironment(database: database)
            environment.merge(Self.productionSecrets) { _, new in new }
            environment["PORT"] = String(try freeLoopbackPort())

            let refused = try await ChildProcess.run(binary, environment: environment)
            #expect(refused.status == 1)
            #expect(refused.stderr.contains("migration(s) pending (0001_organizations"))
            #expect(refused.stderr.contains("run `AuditAPI migrate` first"))

            let migrate = try await ChildProcess.run(binary, arguments: ["migrate"], environment: environment)
            #expect(migrate.status == 0, "\(migrate.stderr)")
            #expect(migrate.stdout.hasPrefix("Applied "))
            let again = try await ChildProcess.run(binary, arguments: ["migrate"], environment: environment)
            #expect(again.status == 0)
            #expect(again.stdout == "No migrations to apply.\n")
        }
    }

    @Test func unreachableDatabaseIsReportedNotCrashed() async throws {
        var database = TestEnvironment.adminDatabase
        database.port = try freeLoopbackPort()
        let result = try await ChildProcess.run(
            binary,
            arguments: ["migrate"],
            environment: TestEnvironment.processEnvironment(database: database)
        )
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("error: "))
        #expect(!result.stderr.contains("Fatal error"))
    }

    /// SIGTERM while a request is in flight: the request still gets its answer, then the process exits 0.
    @Test func sigtermLetsInFlightRequestsFinish() async throws {
        try await TestDatabase.withMigrated { database in
            let silentRedis = try SilentListener()  // makes /readyz take its full 2 s deadline
            defer { silentRedis.close() }
            let port = try freeLoopbackPort()
            var environment = TestEnvironment.processEnvironment(database: database, redisURL: "redis://127.0.0.1:\(silentRedis.port)/0")
            environment["PORT"] = String(port)
            let server = try ChildProcess(binary, environment: environment)
            do {
                try await eventually("AuditAPI did not start listening") {
                    (try? await HTTPProbe.get(port: port, path: "/healthz"))?.status == 200
                }
                async let slow = HTTPProbe.get(port: port, path: "/readyz")
                try await eventually("the readiness probe never reached Redis") { silentRedis.connectionCount > 0 }
                server.signal(SIGTERM)
                let answer = try await slow
                #expect(answer.status == 503)
                #expect(answer.body.contains("\"redis\""))
                #expect(try await server.waitForExit(timeout: .seconds(30)) == 0)
            } catch {
                await server.terminate()
                throw error
            }
        }
    }

    /// `AuditAPI healthcheck` is the image's HEALTHCHECK: it asks the API on this host, at PORT.
    @Test func healthcheckExitsZeroOnlyWhileTheAPIAnswers() async throws {
        try await TestDatabase.withMigrated { database in
            var environment = TestEnvironment.processEnvironment(database: database)
            environment["PORT"] = String(try freeLoopbackPort())
            // As in the image (production listens on every interface): the probe goes to loopback.
            environment.merge(Self.productionSecrets) { _, new in new }
            environment["HOST"] = "0.0.0.0"
            let server = try ChildProcess(binary, environment: environment)
            do {
                try await eventually("AuditAPI did not start listening") {
                    try await ChildProcess.run(binary, arguments: ["healthcheck"], environment: environment).status == 0
                }
                let ready = try await ChildProcess.run(binary, arguments: ["healthcheck", "--path", "/readyz"], environment: environment)
                #expect(ready.status == 0, "\(ready.stderr)")
                let missing = try await ChildProcess.run(
                    binary,
                    arguments: ["healthcheck", "--path", "/nowhere"],
                    environment: environment
                )
                #expect(missing.status == 1)
                #expect(missing.stderr == "unhealthy: http://127.0.0.1:\(environment["PORT"]!)/nowhere answered 404\n")
                server.signal(SIGTERM)
                #expect(try await server.waitForExit(timeout: .seconds(30)) == 0)
            } catch {
                await server.terminate()
                throw error
            }
            let down = try await ChildProcess.run(binary, arguments: ["healthcheck"], environment: environment)
            #expect(down.status == 1)
            #expect(down.stderr.hasPrefix("unhealthy: http://127.0.0.1:\(environment["PORT"]!)/healthz: "))
        }
    }
}
