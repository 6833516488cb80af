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

    /// Starts `AuditWorker worker` with `arguments` and waits until it consumes.
    public func startWorker(_ arguments: [String]) throws -> ChildProcess {
        try ChildProcess(
            TestEnvironment.binDirectory.appendingPathComponent("AuditWorker"),
            arguments: ["worker"] + arguments,
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

    public func close() async {
        try? await redis.close()
    }
}
