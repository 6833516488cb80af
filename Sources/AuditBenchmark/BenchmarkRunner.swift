import Core
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The steps of `AuditWorker benchmark`. Every run works under a key prefix of its own, deleted at
/// the end, so it can point at any Redis without touching real queues.
struct BenchmarkRunner {
    let config: AppConfig
    let redis: RedisClient
    let concurrency: Int
    let queue = "bench"
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("auditmate-bench-\(UUID().uuidString)")

    func runAll(count: Int, celeryPython: String?, celeryCount: Int) async throws {
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        print("AuditMate queue benchmark: \(count) no-op tasks (auditmate.ping), Redis \(config.redis.host):\(config.redis.port)")

        let prefix = "bench:\(UUID().uuidString.prefix(8)):"
        do {
            try await runAuditWorker(count: count, prefix: prefix)
            await deleteKeys(prefix: prefix)
        } catch {
            await deleteKeys(prefix: prefix)
            throw error
        }

        let (lpush, rpop) = try await redisBenchmark(count: count)
        let pair = 1 / (1 / lpush + 1 / rpop)
        print(
            String(
                format: "redis-benchmark (50 clients, no pipelining): LPUSH %.0f/s, RPOP %.0f/s, LPUSH+RPOP pair %.0f/s",
                lpush,
                rpop,
                pair
            )
        )
        print(String(format: "AuditWorker drain / raw pair rate: %.2f", drainRate.value / pair))

        guard let celeryPython else {
            print("celery: skipped (pass --celery-python)")
            return
        }
        let celeryPrefix = "bench:\(UUID().uuidString.prefix(8)):"
        do {
            let celeryRate = try await runCelery(python: celeryPython, count: celeryCount, prefix: celeryPrefix)
            await deleteKeys(prefix: celeryPrefix)
            print(String(format: "AuditWorker / Celery drain rate: %.1fx", drainRate.value / celeryRate))
        } catch {
            await deleteKeys(prefix: celeryPrefix)
            throw error
        }
    }

    /// The drain rate of the AuditWorker run, for the comparisons printed after it.
    private let drainRate = RateBox()

    private func runAuditWorker(count: Int, prefix: String) async throws {
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

        let metricsPort = try freePort()
        let worker = try Subprocess(
            CommandLine.arguments[0].hasPrefix("/") ? CommandLine.arguments[0] : "/proc/self/exe",
            ["worker", "--queues", queue, "--concurrency", String(concurrency), "--metrics-port", String(metricsPort)],
            environment: workerEnvironment(prefix: prefix),
            output: scratch.appendingPathComponent("worker.log")
        )
        let drainSeconds = try await measureDrain(broker: broker, count: count, process: worker)
        drainRate.value = Double(count) / drainSeconds
        print(
            String(
                format: "drain (AuditWorker, 1 process, concurrency %d): %d tasks in %.2f s = %.0f tasks/s",
                concurrency,
                count,
                drainSeconds,
                Double(count) / drainSeconds
            )
        )
        let backlog = try await latencyHistogram(port: metricsPort)
        print(
            String(
                format: "enqueue-to-start latency, backlog of %d: p50 %.1f ms, p99 %.1f ms",
                count,
                backlog.quantile(0.5) * 1000,
                backlog.quantile(0.99) * 1000
            )
        )

        let paced = min(count, 5_000)
        try await enqueuePaced(count: paced, perSecond: 2_000, broker: broker)
        try await waitUntilEmpty(broker: broker, process: worker, timeout: .seconds(120))
        let after = try await latencyHistogram(port: metricsPort)
        let steady = after.subtracting(backlog)
        print(
            String(
                format: "enqueue-to-start latency, steady 2000 tasks/s for %d tasks: p50 %.2f ms, p99 %.2f ms",
                paced,
                steady.quantile(0.5) * 1000,
                steady.quantile(0.99) * 1000
            )
        )
        await worker.stop()
    }

    private func runCelery(python: String, count: Int, prefix: String) async throws -> Double {
        let broker = QueueBroker(redis: redis, settings: QueueSettings(keyPrefix: prefix))
        _ = try await enqueue(count: count, broker: broker)
        let celery = try startCelery(python: python, prefix: prefix)
        let seconds: Double
        do {
            seconds = try await measureDrain(broker: broker, count: count, process: celery, timeout: .seconds(1_800))
        } catch {
            await celery.stop()
            throw error
        }
        await celery.stop()
        let rate = Double(count) / seconds
        print(String(format: "drain (Celery prefork, concurrency 2): %d tasks in %.2f s = %.0f tasks/s", count, seconds, rate))
        return rate
    }

    private func enqueue(count: Int, broker: QueueBroker) async throws -> Double {
        let producer = TaskProducer(broker: broker)
        let clock = ContinuousClock()
        let started = clock.now
        var sent = 0
        while sent < count {
            let batch = try (0..<min(1000, count - sent)).map { _ in try producer.envelope(PingTask(), options: .init(queue: queue)) }
            try await broker.publish(batch)
            sent += batch.count
        }
        return (clock.now - started).seconds
    }

    private func enqueuePaced(count: Int, perSecond: Int, broker: QueueBroker) async throws {
        let producer = TaskProducer(broker: broker)
        let clock = ContinuousClock()
        let started = clock.now
        let batch = max(perSecond / 100, 1)
        var sent = 0
        while sent < count {
            let envelopes = try (0..<min(batch, count - sent)).map { _ in try producer.envelope(PingTask(), options: .init(queue: queue)) }
            try await broker.publish(envelopes)
            sent += envelopes.count
            try await Task.sleep(until: started + .milliseconds(Int64(sent * 1000 / perSecond)), clock: clock)
        }
    }

    /// Seconds from the first message taken to the queue and `unacked` both empty.
    private func measureDrain(broker: QueueBroker, count: Int, process: Subprocess, timeout: Duration = .seconds(600)) async throws
        -> Double
    {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        var first: ContinuousClock.Instant?
        while clock.now < deadline {
            if process.hasExited {
                let output = (try? String(contentsOf: process.output, encoding: .utf8)) ?? ""
                throw BenchmarkError("the worker exited early:\n\(output.suffix(2000))")
            }
            let ready = try await broker.readyCounts(queues: [queue])[queue] ?? 0
            if first == nil && ready < count { first = clock.now }
            if let first, ready == 0, try await broker.pendingCounts().unacked == 0 {
                return (clock.now - first).seconds
            }
            try await Task.sleep(for: .milliseconds(first == nil ? 1 : 5))
        }
        throw BenchmarkError("the queue did not drain within \(timeout)")
    }

    private func waitUntilEmpty(broker: QueueBroker, process: Subprocess, timeout: Duration) async throws {
        _ = try await measureDrain(broker: broker, count: Int.max, process: process, timeout: timeout)
    }

    private func workerEnvironment(prefix: String) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["QUEUE_KEY_PREFIX"] = prefix
        environment["LOG_LEVEL"] = "warning"
        return environment
    }

    private func startCelery(python: String, prefix: String) throws -> Subprocess {
        let app = scratch.appendingPathComponent("benchapp.py")
        try CeleryBenchmarkApp.source.write(to: app, atomically: true, encoding: .utf8)
        var environment = ProcessInfo.processInfo.environment
        environment["BENCH_BROKER_URL"] = redisURL()
        environment["BENCH_KEY_PREFIX"] = prefix
        environment["PYTHONPATH"] = scratch.path
        return try Subprocess(
            python,
            [
                "-m", "celery", "-A", "benchapp", "worker", "--pool", "prefork", "--concurrency", "2", "-Q", queue, "--loglevel", "WARNING",
                "--without-gossip", "--without-mingle", "--without-heartbeat",
            ],
            environment: environment,
            output: scratch.appendingPathComponent("celery.log")
        )
    }

    private func redisURL() -> String {
        let redis = config.redis
        let password = redis.password.map { ":\($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0)@" } ?? ""
        return "redis://\(password)\(redis.host):\(redis.port)/\(redis.database)"
    }

    private func redisBenchmark(count: Int) async throws -> (lpush: Double, rpop: Double) {
        var arguments = [
            "-h", config.redis.host, "-p", String(config.redis.port), "-n", String(count), "-t", "lpush,rpop", "-q", "--dbnum",
            String(config.redis.database),
        ]
        if let password = config.redis.password { arguments += ["-a", password] }
        let output = try await Subprocess.run(
            "redis-benchmark",
            arguments,
            environment: ProcessInfo.processInfo.environment,
            output: scratch.appendingPathComponent("redis-benchmark.txt")
        )
        func rate(_ name: String) -> Double? {
            // Lines look like "LPUSH: 98231.83 requests per second, p50=0.255 msec" after \r progress.
            output.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).last {
                $0.hasPrefix(name + ": ") && $0.contains("requests per second")
            }
            .flatMap { Double($0.dropFirst(name.count + 2).split(separator: " ").first ?? "") }
        }
        guard let lpush = rate("LPUSH"), let rpop = rate("RPOP") else {
            throw BenchmarkError("cannot read redis-benchmark output: \(output)")
        }
        return (lpush, rpop)
    }

    private func latencyHistogram(port: Int) async throws -> LatencyHistogram {
        let metrics = try await LocalProbe.get("http://127.0.0.1:\(port)/metrics")
        return LatencyHistogram(prometheusText: metrics.body, name: "auditmate_task_start_latency_seconds")
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

    private func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard ok else { throw BenchmarkError("no free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// Carries the AuditWorker drain rate from its run to the comparisons printed later.
final class RateBox: Sendable {
    private let storage = Mutex(0.0)
    var value: Double {
        get { storage.withLock { $0 } }
        set { storage.withLock { $0 = newValue } }
    }
}

/// The Celery application the benchmark drains with: the same task name, a no-op body.
enum CeleryBenchmarkApp {
    static let source = """
        import os
        from celery import Celery

        app = Celery("benchapp", broker=os.environ["BENCH_BROKER_URL"])
        app.conf.broker_transport_options = {"global_keyprefix": os.environ["BENCH_KEY_PREFIX"]}
        app.conf.accept_content = ["json"]
        app.conf.task_ignore_result = True
        app.conf.worker_hijack_root_logger = False


        @app.task(name="auditmate.ping")
        def ping(*args, **kwargs):
            return "pong"
        """
}
