import Core
import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The worker daemon as a real process against the test Redis and PostgreSQL, each test under its
/// own key prefix, driven through the diagnostics tasks.
@Suite("Queue worker process")
struct QueueWorkerTests {
    func withWorker(
        _ arguments: [String] = ["--queues", "diagnostics", "--concurrency", "4"],
        visibilityTimeout: Int = 60,
        _ body: (QueueTestKit, ChildProcess) async throws -> Void
    ) async throws {
        try await TestDatabase.withMigrated { database in
            try await withQueueTestKit(database: database, visibilityTimeout: visibilityTimeout) { kit in
                try await kit.withWorker(arguments) { worker in
                    do {
                        try await kit.waitUntilConsuming(worker)
                        try await body(kit, worker)
                    } catch {
                        print("worker output:\n\(worker.stdout)\(worker.stderr)")
                        throw error
                    }
                }
            }
        }
    }

    @Test func retriesWithBackoffThenSucceeds() async throws {
        try await withWorker { kit, _ in
            let key = kit.prefix + "attempts"
            let id = try await kit.producer.enqueue(DiagnosticTasks.Fail(key: key, token: "t", failures: 2))
            let results = ResultBackend(redis: kit.redis)
            try await eventually(timeout: .seconds(20)) { try await results.fetch(taskID: id)?["status"] == "SUCCESS" }
            #expect(try await results.fetch(taskID: id)?["result"] == 3)
            #expect(try await kit.field(key, "t") == "3")
            #expect(try await kit.broker.deadLetterCount(queue: "diagnostics") == 0)
        }
    }

    @Test func deadLettersAfterTheLastRetryAndRunsTheFailureHook() async throws {
        try await withWorker { kit, worker in
            let key = kit.prefix + "attempts"
            let id = try await kit.producer.enqueue(DiagnosticTasks.Fail(key: key, token: "t", failures: 100))
            try await eventually(timeout: .seconds(20)) { try await kit.broker.deadLetterCount(queue: "diagnostics") == 1 }
            #expect(try await kit.field(key, "t") == "4", "the first attempt and 3 retries")
            #expect(try await kit.field(key, "status:t") == "ERROR", "the failure hook marked the record")
            let letter = try #require(try await kit.broker.deadLetters(queue: "diagnostics").first?.letter)
            #expect(letter.taskID == id)
            #expect(letter.envelope?.retries == 3)
            #expect(letter.error.contains("planned failure 4 of 100"))
            #expect(letter.reason == .failed)
            #expect(CeleryTime.parse(letter.failedAt) != nil)
            let result = try #require(try await ResultBackend(redis: kit.redis).fetch(taskID: id))
            #expect(result["status"] == "FAILURE")
            #expect(worker.stderr.contains("task retry"))
            #expect(try await kit.broker.pendingCounts() == (0, 0) as (Int, Int))

            // Operators requeue dead letters as fresh runs; this one fails again and returns.
            let requeue = try await ChildProcess.run(
                TestEnvironment.binDirectory.appendingPathComponent("AuditWorker"),
                arguments: ["dead", "requeue", "--queue", "diagnostics"],
                environment: kit.environment
            )
            #expect(requeue.stdout.contains("requeued 1 message(s)"), "\(requeue.stdout)\(requeue.stderr)")
            try await eventually(timeout: .seconds(20)) { try await kit.field(key, "t") == "8" }
            try await eventually { try await kit.broker.deadLetterCount(queue: "diagnostics") == 1 }
            let list = try await ChildProcess.run(
                TestEnvironment.binDirectory.appendingPathComponent("AuditWorker"),
                arguments: ["dead", "list", "--queue", "diagnostics"],
                environment: kit.environment
            )
            #expect(list.stdout.contains("1 dead letter(s) in diagnostics"))
            #expect(list.stdout.contains("\(id) diagnostics.fail retries=3 [failed]: TaskFailure: planned failure 8 of 100"))
            let purge = try await ChildProcess.run(
                TestEnvironment.binDirectory.appendingPathComponent("AuditWorker"),
                arguments: ["dead", "purge", "--queue", "diagnostics"],
                environment: kit.environment
            )
            #expect(purge.stdout == "purged 1 dead letter(s) from diagnostics\n")
            #expect(try await kit.broker.deadLetterCount(queue: "diagnostics") == 0)
        }
    }

    @Test func messagesThatCannotRunAreDeadLetteredAsBadMessages() async throws {
        try await withWorker { kit, _ in
            let unknown = TaskEnvelope.make(
                task: "nowhere.defined",
                body: TaskBody(args: []),
                queue: "diagnostics",
                options: .init(),
                ignoreResult: true,
                timeLimit: TaskTimeLimits()
            )
            try await kit.broker.publish(unknown)
            try await eventually { try await kit.broker.deadLetterCount(queue: "diagnostics") == 1 }
            let letter = try #require(try await kit.broker.deadLetters(queue: "diagnostics").first?.letter)
            #expect(letter.reason == .badMessage)
            #expect(letter.taskID == unknown.id)
            #expect(try await kit.broker.liveTaskIDs(among: [unknown.id]).isEmpty)
        }
    }

    @Test func etaMessagesWaitInTheDelayedSetAndRunWhenDue() async throws {
        try await withWorker { kit, _ in
            let key = kit.prefix + "runs"
            // Far enough ahead that a loaded machine still sees it waiting.
            let eta = Date().addingTimeInterval(5)
            try await kit.producer.enqueue(DiagnosticTasks.RecordExecution(key: key, token: "late"), options: .init(eta: eta))
            // The worker parks it in the delayed set. A loaded machine may only look after the ETA,
            // so each look counts only if it finished before the ETA: then the task must not have run.
            try await eventually { try await kit.broker.pendingCounts().delayed == 1 || Date() >= eta }
            while Date() < eta {
                let seen = try await kit.field(key, "late")
                if Date() < eta { #expect(seen == nil, "ran before its ETA") }
                try await Task.sleep(for: .milliseconds(100))
            }
            try await eventually(timeout: .seconds(15)) { try await kit.field(key, "late") == "1" }
            #expect(Date() >= eta)
            // The task writes its record before the worker acknowledges the message.
            try await eventually { try await kit.broker.pendingCounts() == (0, 0) as (Int, Int) }
        }
    }

    @Test func expiredMessagesAreRevokedNotRun() async throws {
        try await withWorker { kit, _ in
            let key = kit.prefix + "runs"
            let id = try await kit.producer.enqueue(
                DiagnosticTasks.Sleep(seconds: 0, key: key, token: "t"),
                options: .init(expires: Date().addingTimeInterval(-1))
            )
            let results = ResultBackend(redis: kit.redis)
            try await eventually { try await results.fetch(taskID: id)?["status"] == "REVOKED" }
            #expect(try await kit.field(key, "t") == nil)
        }
    }

    @Test func softAndHardTimeLimitsFailTheTaskAndFreeTheSlot() async throws {
        try await withWorker(["--queues", "diagnostics", "--concurrency", "1"]) { kit, _ in
            let key = kit.prefix + "sleeps"
            let results = ResultBackend(redis: kit.redis)
            let soft = try await kit.producer.enqueue(
                DiagnosticTasks.Sleep(seconds: 30, key: key, token: "soft"),
                options: .init(timeLimit: TaskTimeLimits(soft: .milliseconds(300)))
            )
            try await eventually { try await results.fetch(taskID: soft)?["status"] == "FAILURE" }
            #expect(try await results.fetch(taskID: soft)?["result"]?["exc_type"] == "SoftTimeLimitExceeded")
            #expect(try await kit.field(key, "soft") == "ERROR: softTimeLimit")

            // This one ignores cancellation; the hard limit reclaims the only slot anyway.
            let hard = try await kit.producer.enqueue(
                DiagnosticTasks.Sleep(seconds: 60, key: key, token: "hard", cooperative: false),
                options: .init(timeLimit: TaskTimeLimits(soft: .milliseconds(200), hard: .milliseconds(600)))
            )
            let next = try await kit.producer.enqueue(DiagnosticTasks.Sleep(seconds: 0, key: key, token: "next"))
            try await eventually { try await results.fetch(taskID: hard)?["status"] == "FAILURE" }
            #expect(try await results.fetch(taskID: hard)?["result"]?["exc_type"] == "TimeLimitExceeded")
            try await eventually { try await results.fetch(taskID: next)?["status"] == "SUCCESS" }
            #expect(try await kit.broker.deadLetterCount(queue: "diagnostics") == 2)
        }
    }

    @Test func sigtermReturnsUnfinishedWorkToTheFrontOfTheQueue() async throws {
        try await withWorker(["--queues", "diagnostics", "--concurrency", "2", "--grace-period", "1"]) { kit, worker in
            let key = kit.prefix + "sleeps"
            let quick = try await kit.producer.enqueue(DiagnosticTasks.Sleep(seconds: 0.2, key: key, token: "quick"))
            let long = try await kit.producer.enqueue(DiagnosticTasks.Sleep(seconds: 60, key: key, token: "long"))
            try await eventually { try await kit.field(key, "long") == "started" }
            try await eventually { try await kit.field(key, "quick") == "done" }
            let waiting = try await kit.producer.enqueue(
                DiagnosticTasks.Sleep(seconds: 0, key: key, token: "waiting"),
                options: .init(queue: "other")
            )
            _ = waiting
            worker.signal(SIGTERM)
            #expect(try await worker.waitForExit(timeout: .seconds(20)) == 0)
            let list = try await kit.redis.send("LRANGE", kit.prefix + "diagnostics", 0, -1).array ?? []
            #expect(list.count == 1)
            let returned = try TaskEnvelope(parsing: try #require(list.first?.bytes))
            #expect(returned.id == long)
            #expect(returned.headers["redelivered"] == true)
            #expect(try await kit.broker.pendingCounts() == (0, 0) as (Int, Int))
            #expect(worker.stderr.contains("task returned to the front of its queue"))
            _ = quick
        }
    }

    @Test func aSecondSignalReturnsEverythingAtOnce() async throws {
        try await withWorker(["--queues", "diagnostics", "--concurrency", "2", "--grace-period", "300"]) { kit, worker in
            let key = kit.prefix + "sleeps"
            for token in ["a", "b"] { try await kit.producer.enqueue(DiagnosticTasks.Sleep(seconds: 60, key: key, token: token)) }
            try await eventually {
                let a = try await kit.field(key, "a")
                let b = try await kit.field(key, "b")
                return a == "started" && b == "started"
            }
            worker.signal(SIGTERM)
            try await eventually { worker.stderr.contains("finishing in-flight tasks") }
            worker.signal(SIGTERM)
            #expect(try await worker.waitForExit(timeout: .seconds(20)) == 0)
            #expect(try await kit.redis.send("LLEN", kit.prefix + "diagnostics").int == 2)
            #expect(try await kit.broker.pendingCounts() == (0, 0) as (Int, Int))
        }
    }

    @Test func inspectShowsWorkersAndQueues() async throws {
        try await withWorker(visibilityTimeout: 8) { kit, _ in
            let key = kit.prefix + "sleeps"
            try await kit.producer.enqueue(DiagnosticTasks.Sleep(seconds: 60, key: key, token: "busy"))
            try await kit.producer.enqueue(PingTask(), options: .init(queue: "health", priority: 9))
            try await eventually { try await kit.field(key, "busy") == "started" }
            try await eventually(timeout: .seconds(30)) {
                let output = try await ChildProcess.run(
                    TestEnvironment.binDirectory.appendingPathComponent("AuditWorker"),
                    arguments: ["inspect"],
                    environment: kit.environment
                ).stdout
                return output.contains("workers: 1 alive") && output.contains("diagnostics.sleep on diagnostics, running")
                    && output.contains("health: ready 1 (p0=0 p3=0 p6=0 p9=1), unacked 0, delayed 0, dead 0")
                    && output.contains("diagnostics: ready 0 (p0=0 p3=0 p6=0 p9=0), unacked 1, delayed 0, dead 0")
            }
        }
    }

    @Test func metricsCountTasksByNameOnTheMetricsPort() async throws {
        let port = try freeLoopbackPort()
        try await withWorker(["--queues", "health", "--concurrency", "2", "--metrics-port", String(port)]) { kit, _ in
            for _ in 0..<3 { try await kit.producer.enqueue(PingTask()) }
            try await eventually {
                guard let (data, _) = try? await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/metrics")!) else {
                    return false
                }
                let text = String(decoding: data, as: UTF8.self)
                return text.contains(#"auditmate_tasks_succeeded_total{task="auditmate.ping"} 3"#)
                    && text.contains(#"auditmate_tasks_received_total{task="auditmate.ping"} 3"#)
                    && text.contains("auditmate_task_start_latency_seconds_count 3")
                    && text.contains(#"auditmate_task_runtime_seconds_count{task="auditmate.ping"} 3"#)
            }
        }
    }
}
