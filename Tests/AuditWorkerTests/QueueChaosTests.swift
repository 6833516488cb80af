import Core
import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Loss tests: worker processes killed with SIGKILL at random moments, and a real Redis restart.
@Suite("Queue chaos", .serialized)
struct QueueChaosTests {
    @Test func everyTaskRunsAtLeastOnceWhileWorkersAreKilled() async throws {
        try await TestDatabase.withMigrated { database in
            try await withQueueTestKit(database: database, visibilityTimeout: 3) { kit in
                let total = 3_000
                let key = kit.prefix + "executions"
                let envelopes = try (0..<total).map { index in
                    try kit.producer.envelope(DiagnosticTasks.RecordExecution(key: key, token: "t\(index)", workMilliseconds: index % 30))
                }
                for chunk in stride(from: 0, to: total, by: 500) {
                    try await kit.broker.publish(Array(envelopes[chunk..<min(chunk + 500, total)]))
                }

                let arguments = ["--queues", "diagnostics", "--concurrency", "16"]
                var workers = try (0..<3).map { _ in try kit.startWorker(arguments) }
                try await withCleanup {
                    var kills = 0
                    var generator = SystemRandomNumberGenerator()
                    let clock = ContinuousClock()
                    let deadline = clock.now + .seconds(240)
                    while clock.now < deadline {
                        let done = try await kit.redis.send("HLEN", key).int ?? 0
                        if done == total { break }
                        if kills < 12 {
                            try await Task.sleep(for: .milliseconds(Int64.random(in: 100...500, using: &generator)))
                            let victim = Int.random(in: 0..<workers.count, using: &generator)
                            workers[victim].signal(SIGKILL)
                            _ = try await workers[victim].waitForExit(timeout: .seconds(10))
                            kills += 1
                            workers[victim] = try kit.startWorker(arguments)
                        } else {
                            try await Task.sleep(for: .milliseconds(200))
                        }
                    }
                    let counts = try await kit.redis.send("HVALS", key).array?.compactMap(\.int) ?? []
                    let duplicates = counts.reduce(0) { $0 + max($1 - 1, 0) }
                    print("chaos: \(total) tasks, \(kills) SIGKILLs, \(counts.count) ran, \(duplicates) duplicate execution(s)")
                    #expect(counts.count == total, "every task ran at least once")
                    #expect(kills >= 3, "the workers must have been killed while tasks were in flight")
                    try await eventually(timeout: .seconds(30), "queues, unacked and delayed must drain") {
                        let pending = try await kit.broker.pendingCounts()
                        let ready = try await kit.broker.readyCounts(queues: ["diagnostics"])["diagnostics"] ?? -1
                        return pending.unacked == 0 && pending.delayed == 0 && ready == 0
                    }
                } cleanup: {
                    for worker in workers { await worker.terminate() }
                }
            }
        }
    }

    @Test func workerResumesConsumingAfterARedisRestart() async throws {
        try await withRedisServer(password: "chaos-secret") { server in
            try await TestDatabase.withMigrated { database in
                try await withQueueTestKit(database: database, redisURL: server.url, visibilityTimeout: 5) { kit in
                    try await kit.withWorker(["--queues", "diagnostics", "--concurrency", "4"]) { worker in
                        try await kit.waitUntilConsuming(worker)
                        let key = kit.prefix + "runs"
                        for index in 0..<200 {
                            try await kit.producer.enqueue(
                                DiagnosticTasks.RecordExecution(key: key, token: "before\(index)", workMilliseconds: 5)
                            )
                        }
                        try await eventually { (try await kit.redis.send("HLEN", key).int ?? 0) > 20 }
                        try await server.restart()
                        for index in 0..<200 {
                            try await kit.producer.enqueue(
                                DiagnosticTasks.RecordExecution(key: key, token: "after\(index)", workMilliseconds: 1)
                            )
                        }
                        try await eventually(timeout: .seconds(60), "the worker must keep consuming after the restart") {
                            let fields = try await kit.redis.send("HKEYS", key).array?.compactMap(\.string) ?? []
                            return fields.filter { $0.hasPrefix("after") }.count == 200
                        }
                        // Messages acknowledged in the last second before the restart may be lost from the AOF and
                        // run again; messages taken before it are restored after the visibility timeout.
                        try await eventually(timeout: .seconds(60)) {
                            let fields = try await kit.redis.send("HKEYS", key).array?.compactMap(\.string) ?? []
                            return fields.filter { $0.hasPrefix("before") }.count == 200
                        }
                        #expect(worker.stderr.contains("worker consuming"))
                        worker.signal(SIGTERM)
                        #expect(try await worker.waitForExit(timeout: .seconds(30)) == 0)
                    }
                }
            }
        }
    }
}
