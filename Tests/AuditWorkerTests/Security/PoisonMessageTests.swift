import Core
import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension Security {
    /// A message whose task brings its worker down must not take the fleet down with it, one worker
    /// after another: after `QUEUE_MAX_DELIVERIES` (5) deaths it goes to the dead-letter list.
    /// Real worker processes, killed with SIGKILL while they run the same message.
    @Suite("Poison messages")
    struct PoisonMessageTests {
        @Test func aScanThatStoppedItsWorkerFiveTimesIsDeadLetteredAsPoisonAndItsAuditFails() async throws {
            try await StalledScanBed.run { bed in
                let kit = bed.kit
                let taskID = try await kit.producer.enqueue(ScanAuditTask(auditID: bed.audit))
                let deliveryTag = try #require(try await kit.queuedMessages(task: "audits.scan", queue: "scans").first?.deliveryTag)
                for kill in 1...5 {
                    let worker = try await bed.startWorkerRunningTheScan()
                    worker.signal(SIGKILL)
                    #expect(try await worker.waitForExit(timeout: .seconds(10)) == 128 + SIGKILL)
                    #expect(
                        try await kit.queuedMessages(task: "audits.scan", queue: "scans").count == 1,
                        "kill \(kill): the message waits in unacked"
                    )
                }

                // The next worker restores the fifth orphan as poison: it never runs it again.
                try await withChildProcess(try bed.startWorker()) { survivor in
                    try await eventually(timeout: .seconds(30), "the poison message was not dead-lettered: \(survivor.stderr)") {
                        try await kit.broker.deadLetterCount(queue: "scans") == 1
                    }
                    let letter = try #require(try await kit.broker.deadLetters(queue: "scans").first?.letter)
                    #expect(letter.reason == .poison)
                    #expect(letter.taskID == taskID)
                    #expect(letter.taskName == "audits.scan")
                    #expect(letter.error == "WorkerLostError: the task stopped its worker 5 times without finishing (poison message)")
                    #expect(letter.envelope?.deliveryTag == deliveryTag)
                    #expect(try await kit.redis.send("LLEN", kit.broker.keys.list(queue: "scans")).int == 0, "not back in the queue")
                    #expect(try await kit.broker.pendingCounts() == (0, 0) as (Int, Int), "not in unacked either")
                    #expect(try await kit.redis.send("GET", kit.broker.keys.deliveries(tag: deliveryTag)).string == "5")
                    #expect(try await kit.broker.liveTaskIDs(among: [taskID]).isEmpty, "settled for good: no presence key")

                    // The failure hook ran on the worker that restored it.
                    try await eventually(timeout: .seconds(15), "the audit was not marked ERROR") {
                        try await bed.auditRow().status == "ERROR"
                    }
                    #expect(
                        try await bed.auditRow().error
                            == "The scan failed: the task stopped its worker 5 times without finishing (poison message)"
                    )
                    let result = try #require(try await ResultBackend(redis: kit.redis).fetch(taskID: taskID))
                    #expect(result["status"] == "FAILURE")
                    #expect(result["result"]?["exc_type"] == "WorkerLostError")
                    try await eventually { survivor.stderr.contains("poison message: its worker died every time it ran") }
                    #expect(!survivor.stderr.contains("task started"), "the poison message never ran a sixth time")

                    let list = try await ChildProcess.run(
                        TestEnvironment.binDirectory.appendingPathComponent("AuditWorker"),
                        arguments: ["dead", "list", "--queue", "scans"],
                        environment: kit.environment
                    )
                    #expect(list.stdout.contains("1 dead letter(s) in scans"))
                    #expect(
                        list.stdout.contains(
                            "\(taskID) audits.scan retries=0 [poison]: WorkerLostError: the task stopped its worker 5 times"
                        )
                    )
                }
            }
        }

        /// Four deaths and a shutdown: six deliveries without an acknowledgement, but a shutdown hands
        /// its work back and is no death, so the count stays at four and the sixth delivery runs.
        @Test func fewerDeathsThanTheLimitStillLetTheTaskFinish() async throws {
            try await TestDatabase.withMigrated { database in
                try await withQueueTestKit(database: database, visibilityTimeout: StalledScanBed.visibilityTimeout) { kit in
                    let key = kit.prefix + "sleeps"
                    let arguments = ["--queues", "diagnostics", "--concurrency", "1", "--grace-period", "0"]
                    let taskID = try await kit.producer.enqueue(DiagnosticTasks.Sleep(seconds: 2, key: key, token: "t"))
                    let deliveryTag = try #require(
                        try await kit.queuedMessages(task: "diagnostics.sleep", queue: "diagnostics").first?.deliveryTag
                    )
                    func runUntilStarted() async throws -> ChildProcess {
                        try await kit.redis.send("HDEL", key, "t")
                        let worker = try kit.startWorker(arguments)
                        do {
                            try await eventually(timeout: .seconds(30), "the task never started: \(worker.stderr)") {
                                try await kit.field(key, "t") == "started"
                            }
                        } catch {
                            await worker.terminate()
                            throw error
                        }
                        return worker
                    }
                    for _ in 1...4 {
                        let worker = try await runUntilStarted()
                        worker.signal(SIGKILL)
                        #expect(try await worker.waitForExit(timeout: .seconds(10)) == 128 + SIGKILL)
                    }
                    let stopped = try await runUntilStarted()
                    stopped.signal(SIGTERM)
                    #expect(try await stopped.waitForExit(timeout: .seconds(20)) == 0)
                    #expect(stopped.stderr.contains("task returned to the front of its queue"))

                    try await withChildProcess(try await runUntilStarted()) { last in
                        try await eventually(timeout: .seconds(20), "the task did not finish: \(last.stderr)") {
                            try await kit.field(key, "t") == "done"
                        }
                        try await eventually { try await ResultBackend(redis: kit.redis).fetch(taskID: taskID)?["status"] == "SUCCESS" }
                        #expect(try await kit.broker.deadLetterCount(queue: "diagnostics") == 0)
                        #expect(
                            try await kit.redis.send("GET", kit.broker.keys.deliveries(tag: deliveryTag)).string == "4",
                            "the shutdown did not count"
                        )
                        try await eventually { try await kit.broker.pendingCounts() == (0, 0) as (Int, Int) }
                        #expect(try await kit.broker.liveTaskIDs(among: [taskID]).isEmpty)
                    }
                }
            }
        }
    }
}
