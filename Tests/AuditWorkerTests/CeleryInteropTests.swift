import Core
import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Interoperability with real Celery 5 and kombu, from the virtualenv the test command builds.
@Suite("Celery interoperability")
struct CeleryInteropTests {
    let python = URL(fileURLWithPath: ProcessInfo.processInfo.environment["AUDITMATE_TEST_PYTHON"] ?? "/nonexistent/python")

    func scratchFile(_ name: String, _ contents: String) throws -> URL {
        let folder = TestEnvironment.workDirectory.appendingPathComponent("python/\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let file = folder.appendingPathComponent(name)
        try contents.write(to: file, atomically: true, encoding: .utf8)
        return file
    }

    /// A Celery worker (solo pool, no gossip) for the app module `app` defines, on the kit's Redis.
    func celeryWorker(_ app: URL, queue: String, kit: QueueTestKit) throws -> ChildProcess {
        var environment = kit.environment
        environment["INTEROP_URL"] = kit.redisURL
        environment["PYTHONPATH"] = app.deletingLastPathComponent().path
        return try ChildProcess(
            python,
            arguments: [
                "-m", "celery", "-A", app.deletingPathExtension().lastPathComponent, "worker", "--pool", "solo", "-Q", queue,
                "--loglevel", "INFO", "--without-gossip", "--without-mingle", "--without-heartbeat",
            ],
            environment: environment
        )
    }

    @Test func aPythonSendTaskRunsOnAuditWorkerAndAsyncResultGetReadsTheResult() async throws {
        try await TestDatabase.withMigrated { database in
            try await withQueueTestKit(database: database) { kit in
                try await kit.withWorker(["--queues", "diagnostics", "--concurrency", "2"]) { worker in
                    try await kit.waitUntilConsuming(worker)
                    let script = try scratchFile(
                        "send.py",
                        """
                        import datetime, json, sys, uuid
                        from celery import Celery
                        url, prefix = sys.argv[1], sys.argv[2]
                        app = Celery("interop", broker=url, backend=url)
                        app.conf.broker_transport_options = {"global_keyprefix": prefix}
                        app.conf.accept_content = ["json"]
                        result = app.send_task(
                            "diagnostics.echo",
                            args=[1, "two", None],
                            kwargs={"when": datetime.datetime(2030, 1, 1, tzinfo=datetime.timezone.utc),
                                    "ref": uuid.UUID("5a1c7b0e-0000-4000-8000-000000000001")},
                            queue="diagnostics",
                        )
                        print(json.dumps(result.get(timeout=30), sort_keys=True))
                        print(result.status)
                        """
                    )
                    let run = try await ChildProcess.run(
                        python,
                        arguments: [script.path, kit.redisURL, kit.prefix],
                        environment: kit.environment
                    )
                    #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
                    let lines = run.stdout.split(separator: "\n").map(String.init)
                    #expect(
                        lines.first
                            == #"{"args": [1, "two", null], "kwargs": {"ref": "5a1c7b0e-0000-4000-8000-000000000001", "when": "2030-01-01T00:00:00+00:00"}}"#
                    )
                    #expect(lines.last == "SUCCESS")
                }
            }
        }
    }

    @Test func aFailureOnAuditWorkerRaisesInThePythonClient() async throws {
        try await TestDatabase.withMigrated { database in
            try await withQueueTestKit(database: database) { kit in
                try await kit.withWorker(["--queues", "diagnostics", "--concurrency", "2"]) { worker in
                    try await kit.waitUntilConsuming(worker)
                    let script = try scratchFile(
                        "fail.py",
                        """
                        import sys
                        from celery import Celery
                        url, prefix = sys.argv[1], sys.argv[2]
                        app = Celery("interop", broker=url, backend=url)
                        app.conf.broker_transport_options = {"global_keyprefix": prefix}
                        result = app.send_task("diagnostics.sleep", args=[5, prefix + "k", "t"], queue="diagnostics", soft_time_limit=0.3)
                        try:
                            result.get(timeout=30)
                        except Exception as error:
                            print(type(error).__name__, result.status)
                        """
                    )
                    let run = try await ChildProcess.run(
                        python,
                        arguments: [script.path, kit.redisURL, kit.prefix],
                        environment: kit.environment
                    )
                    #expect(run.stdout == "SoftTimeLimitExceeded FAILURE\n", "\(run.stdout)\(run.stderr)")
                }
            }
        }
    }

    @Test func aMessageProducedByCoreRunsOnARealCeleryWorker() async throws {
        try await withQueueTestKit(database: TestEnvironment.adminDatabase) { kit in
            let app = try scratchFile(
                "interopapp.py",
                """
                import os
                import redis
                from celery import Celery

                url, prefix = os.environ["INTEROP_URL"], os.environ["QUEUE_KEY_PREFIX"]
                app = Celery("interopapp", broker=url)
                app.conf.broker_transport_options = {"global_keyprefix": prefix}
                app.conf.accept_content = ["json"]
                app.conf.task_ignore_result = True
                store = redis.Redis.from_url(url)


                @app.task(name="audits.scan")
                def scan(audit_id):
                    store.hset(prefix + "scanned", audit_id, "ran")
                """
            )
            try await withChildProcess(try celeryWorker(app, queue: "scans", kit: kit)) { celery in
                let audits = (0..<3).map { _ in UUID() }
                for audit in audits { try await kit.producer.enqueue(ScanAuditTask(auditID: audit)) }
                do {
                    try await eventually(timeout: .seconds(60), "the Celery worker did not run the tasks") {
                        try await kit.redis.send("HLEN", kit.prefix + "scanned").int == 3
                    }
                } catch {
                    Issue.record("celery output: \(celery.stdout)\(celery.stderr)")
                    throw error
                }
                for audit in audits {
                    #expect(
                        try await kit.field(kit.prefix + "scanned", audit.uuidString.lowercased()) == "ran",
                        "the id as Python writes it"
                    )
                }
                celery.signal(SIGTERM)
                _ = try await celery.waitForExit(timeout: .seconds(30))
                #expect(try await kit.broker.pendingCounts().unacked == 0)
            }
        }
    }

    @Test func aCeleryWorkerRestoresTheOrphanOfAKilledAuditWorker() async throws {
        try await TestDatabase.withMigrated { database in
            try await withQueueTestKit(database: database) { kit in
                let key = kit.prefix + "sleeps"
                try await kit.withWorker(["--queues", "diagnostics", "--concurrency", "1"]) { worker in
                    try await kit.waitUntilConsuming(worker)
                    try await kit.producer.enqueue(DiagnosticTasks.Sleep(seconds: 60, key: key, token: "orphan"))
                    try await eventually { try await kit.field(key, "orphan") == "started" }
                    worker.signal(SIGKILL)
                    _ = try await worker.waitForExit()
                    #expect(try await kit.broker.pendingCounts().unacked == 1, "the killed worker's message waits in unacked")
                }

                let app = try scratchFile(
                    "restoreapp.py",
                    """
                    import os
                    import redis
                    from celery import Celery

                    url, prefix = os.environ["INTEROP_URL"], os.environ["QUEUE_KEY_PREFIX"]
                    app = Celery("restoreapp", broker=url)
                    app.conf.broker_transport_options = {
                        "global_keyprefix": prefix, "visibility_timeout": 2,
                        "unacked_restore_interval": 1, "unacked_restore_throttle": 1,
                    }
                    app.conf.accept_content = ["json"]
                    app.conf.task_ignore_result = True
                    store = redis.Redis.from_url(url)


                    @app.task(name="diagnostics.sleep")
                    def sleep(seconds, key, token, cooperative=None):
                        store.hset(key, token, "ran on celery")
                    """
                )
                try await withChildProcess(try celeryWorker(app, queue: "diagnostics", kit: kit)) { celery in
                    do {
                        try await eventually(timeout: .seconds(60), "kombu did not restore the AuditWorker's orphan") {
                            try await kit.field(key, "orphan") == "ran on celery"
                        }
                    } catch {
                        Issue.record("celery output: \(celery.stdout)\(celery.stderr)")
                        throw error
                    }
                    celery.signal(SIGTERM)
                    _ = try await celery.waitForExit(timeout: .seconds(30))
                    #expect(try await kit.broker.pendingCounts().unacked == 0)
                }
            }
        }
    }
}
