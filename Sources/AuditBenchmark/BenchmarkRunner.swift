import Core
import Foundation
import Synchronization

/// The steps of `AuditBenchmark`. Every run works under a key prefix of its own, deleted at the end,
/// so it can point at any Redis without touching real queues.
struct BenchmarkRunner {
    let config: AppConfig
    let redis: RedisClient
    let concurrency: Int
    let workerPath: String
    let queue = "bench"
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("auditmate-bench-\(UUID().uuidString)")

    func runAll(count: Int, celeryPython: String?, celeryCount: Int) async throws {
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        print("AuditMate queue benchmark: \(count) no-op tasks (auditmate.ping), Redis \(config.redis.host):\(config.redis.port)")

        let drainRate = try await withKeyPrefix { prefix in try await runAuditWorker(count: count, prefix: prefix) }

        let raw = try await RedisBenchmark(settings: config.redis, redis: redis).run(count: count)
        print(
            String(
                format: "redis-benchmark (50 clients, no pipelining): LPUSH %.0f/s, RPOP %.0f/s, LPUSH+RPOP pair %.0f/s",
                raw.lpush,
                raw.rpop,
                raw.pair
            )
        )
        print(String(format: "AuditWorker drain / raw pair rate: %.2f", drainRate / raw.pair))

        guard let celeryPython else {
            print("celery: skipped (pass --celery-python)")
            return
        }
        let celeryRate = try await withKeyPrefix { prefix in try await runCelery(python: celeryPython, count: celeryCount, prefix: prefix) }
        print(String(format: "AuditWorker / Celery drain rate: %.1fx", drainRate / celeryRate))
    }

    /// Runs `body` under a fresh key prefix and deletes the prefix's keys afterwards, however it ends.
    private func withKeyPrefix<Value>(_ body: (String) async throws -> Value) async throws -> Value {
        let prefix = "bench:\(UUID().uuidString.prefix(8)):"
        do {
            let value = try await body(prefix)
            await deleteKeys(prefix: prefix)
            return value
        } catch {
            await deleteKeys(prefix: prefix)
            throw error
        }
    }

    /// Drains `count` tasks with one AuditWorker process, then measures latency at a steady rate.
    /// Returns the drain rate (tasks per second) for the comparisons printed later.
    private func runAuditWorker(count: Int, prefix: String) async throws -> Double {
        let broker = QueueBroker(redis: redis, settings: QueueSettings(keyPrefix: prefix))
        let enqueueSeconds = try await enqueue(count: count, broker: broker)
        print(
            String(
                format: "enqueue: %d tasks in %.2f s = %.0f tasks/s (pipelined LPUSH, 1000 per round trip)",
                count,
                enqueueSeconds,
                Double(count) / enqueueSeconds
            )
        )

        let metricsPort = try LoopbackPort.free()
        let worker = BenchmarkProcess(
            "the AuditWorker worker",
            executable: .path(.init(workerPath)),
            arguments: ["worker", "--queues", queue, "--concurrency", String(concurrency), "--metrics-port", String(metricsPort)],
            environment: ["QUEUE_KEY_PREFIX": prefix, "LOG_LEVEL": "warning"]
        )
        let queue = queue
        let concurrency = concurrency
        return try await worker.whileRunning {
            let drainSeconds = try await Self.measureDrain(broker: broker, queue: queue, count: count)
            print(
                String(
                    format: "drain (AuditWorker, 1 process, concurrency %d): %d tasks in %.2f s = %.0f tasks/s",
                    concurrency,
                    count,
                    drainSeconds,
                    Double(count) / drainSeconds
                )
            )
            let backlog = try await Self.latencyHistogram(port: metricsPort)
            print(
                String(
                    format: "enqueue-to-start latency, backlog of %d: p50 %.1f ms, p99 %.1f ms",
                    count,
                    backlog.quantile(0.5) * 1000,
                    backlog.quantile(0.99) * 1000
                )
            )

            let paced = min(count, 5_000)
            try await Self.enqueuePaced(count: paced, perSecond: 2_000, broker: broker, queue: queue)
            _ = try await Self.measureDrain(broker: broker, queue: queue, count: Int.max, timeout: .seconds(120))
            let steady = try await Self.latencyHistogram(port: metricsPort).subtracting(backlog)
            print(
                String(
                    format: "enqueue-to-start latency, steady 2000 tasks/s for %d tasks: p50 %.2f ms, p99 %.2f ms",
                    paced,
                    steady.quantile(0.5) * 1000,
                    steady.quantile(0.99) * 1000
                )
            )
            return Double(count) / drainSeconds
        }
    }

    /// Drains `count` tasks with Celery's prefork pool and returns its rate (tasks per second).
    private func runCelery(python: String, count: Int, prefix: String) async throws -> Double {
        let broker = QueueBroker(redis: redis, settings: QueueSettings(keyPrefix: prefix))
        _ = try await enqueue(count: count, broker: broker)
        let app = scratch.appendingPathComponent("benchapp.py")
        try CeleryBenchmarkApp.source.write(to: app, atomically: true, encoding: .utf8)
        let celery = BenchmarkProcess(
            "the Celery worker",
            executable: .path(.init(python)),
            arguments: [
                "-m", "celery", "-A", "benchapp", "worker", "--pool", "prefork", "--concurrency", "2", "-Q", queue, "--loglevel", "WARNING",
                "--without-gossip", "--without-mingle", "--without-heartbeat",
            ],
            // The broker URL carries the Redis password: environment, not arguments.
            environment: ["BENCH_BROKER_URL": redisURL(), "BENCH_KEY_PREFIX": prefix, "PYTHONPATH": scratch.path]
        )
        let queue = queue
        let seconds = try await celery.whileRunning {
            try await Self.measureDrain(broker: broker, queue: queue, count: count, timeout: .seconds(1_800))
        }
        let rate = Double(count) / seconds
        print(String(format: "drain (Celery prefork, concurrency 2): %d tasks in %.2f s = %.0f tasks/s", count, seconds, rate))
        return rate
    }

    private func redisURL() -> String {
        let redis = config.redis
        let password = redis.password.map { ":\($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0)@" } ?? ""
        return "redis://\(password)\(redis.host):\(redis.port)/\(redis.database)"
    }

    private func deleteKeys(prefix: String) async {
        var cursor = "0"
        repeat {
            guard let reply = try? await redis.send("SCAN", cursor, "MATCH", prefix + "*", "COUNT", 1000).array, reply.count == 2 else {
                return
            }
            cursor = reply[0].string ?? "0"
            let keys = reply[1].array?.compactMap(\.string) ?? []
            if !keys.isEmpty { _ = try? await redis.send(RedisCommand("DEL", keys)) }
        } while cursor != "0"
    }
}
