import Core
import Foundation
import Logging

/// A private corner of the test Redis for one queue test: its own key prefix (kombu's
/// `global_keyprefix`), a broker and producer on it, and worker processes that use the same prefix.
public struct QueueTestKit: Sendable {
    public let prefix: String
    public let redis: RedisClient
    public let broker: QueueBroker
    public let producer: TaskProducer
    public let database: DatabaseSettings
    public let redisURL: String
    public let visibilityTimeout: Int

    public init(database: DatabaseSettings, redisURL: String = TestEnvironment.redisURL, visibilityTimeout: Int = 60) throws {
        prefix = "test:\(UUID().uuidString.prefix(8)):"
        self.database = database
        self.redisURL = redisURL
        self.visibilityTimeout = visibilityTimeout
        var logger = Logger(label: "tests.queue")
        logger.logLevel = .critical
        redis = RedisClient(settings: try RedisSettings(url: redisURL), logger: logger)
        broker = QueueBroker(redis: redis, settings: QueueSettings(visibilityTimeout: .seconds(visibilityTimeout), keyPrefix: prefix))
        producer = TaskProducer(broker: broker)
    }

    /// Environment for an `AuditWorker` process working on this kit's keys.
    public var environment: [String: String] {
        var environment = TestEnvironment.processEnvironment(database: database, redisURL: redisURL)
        environment["QUEUE_KEY_PREFIX"] = prefix
        environment["QUEUE_VISIBILITY_TIMEOUT"] = String(visibilityTimeout)
        environment["LOG_LEVEL"] = "info"
        return environment
    }

    /// Starts `AuditWorker worker` with `arguments`, running the diagnostics tasks the queue tests
    /// drive it with besides the product's.
    public func startWorker(_ arguments: [String]) throws -> ChildProcess {
        try ChildProcess(
            TestEnvironment.binDirectory.appendingPathComponent("AuditWorker"),
            arguments: ["worker", "--diagnostic-tasks"] + arguments,
            environment: environment
        )
    }

    public func waitUntilConsuming(_ worker: ChildProcess, timeout: Duration = .seconds(30)) async throws {
        try await eventually(timeout: timeout, "worker never started consuming: \(worker.stdout)\(worker.stderr)") {
            worker.stderr.contains("worker consuming")
        }
    }

    /// A hash field value under this kit's prefix.
    public func field(_ key: String, _ field: String) async throws -> String? {
        try await redis.send("HGET", key, field).string
    }

    /// Every message of task `name` that Redis holds for `queue`, wherever it is: ready (all
    /// priorities), fetched and unacknowledged, or delayed. Reads every entry, as only a test may.
    public func queuedMessages(task name: String, queue: String) async throws -> [TaskEnvelope] {
        let keys = broker.keys
        var found: [TaskEnvelope] = []
        let lists = keys.lists(queue: queue)
        for value in try await redis.send("HVALS", keys.delayedMessages).array?.compactMap(\.bytes) ?? [] {
            guard let newline = value.firstIndex(of: 0x0A), lists.contains(String(decoding: value[..<newline], as: UTF8.self)) else {
                continue
            }
            if let envelope = try? TaskEnvelope(parsing: Array(value[(newline + 1)...])) { found.append(envelope) }
        }
        for list in lists {
            for item in try await redis.send("LRANGE", list, 0, -1).array?.compactMap(\.bytes) ?? [] {
                if let envelope = try? TaskEnvelope(parsing: item) { found.append(envelope) }
            }
        }
        for value in try await redis.send("HVALS", keys.unacked).array?.compactMap(\.bytes) ?? [] {
            guard let parts = try? JSONValue(parsing: value).array, parts.count == 3, parts[2].string == queue,
                let message = parts[0].object
            else { continue }
            found.append(TaskEnvelope(json: message))
        }
        return found.filter { $0.taskName == name }
    }

    /// Deletes every key under this kit's prefix: what a `FLUSHALL` (or a failover to an empty
    /// replica) does to this test's corner of Redis.
    public func flush() async throws {
        var cursor = "0"
        repeat {
            let reply = try await redis.send("SCAN", cursor, "MATCH", prefix + "*", "COUNT", 1000).array ?? []
            cursor = reply.first?.string ?? "0"
            let found = reply.count == 2 ? reply[1].array?.compactMap(\.string) ?? [] : []
            if !found.isEmpty { try await redis.send(RedisCommand("DEL", found)) }
        } while cursor != "0"
    }

    public func close() async {
        try? await redis.close()
    }
}
