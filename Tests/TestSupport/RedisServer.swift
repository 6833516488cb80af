import Core
import Foundation
import Logging
import Synchronization

/// A `redis-server` of a test's own, for scenarios that stop or restart Redis; the shared test Redis
/// must keep running for everyone else. AOF on, as in production.
public final class RedisServer: Sendable {
    public let port: Int
    public let password: String?
    let directory: URL
    private let process: Mutex<ChildProcess?>

    public init(password: String? = nil) async throws {
        self.port = try freeLoopbackPort()
        self.password = password
        self.directory = TestEnvironment.workDirectory.appendingPathComponent("servers/redis-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        self.process = Mutex(nil)
        try await start()
    }

    public var url: String {
        "redis://" + (password.map { ":\($0)@" } ?? "") + "127.0.0.1:\(port)/0"
    }

    public var settings: RedisSettings { try! RedisSettings(url: url) }

    /// Starts the server (again) on the same port and data folder, and waits until it answers.
    public func start() async throws {
        var arguments = [
            "--bind", "127.0.0.1", "--port", String(port), "--dir", directory.path,
            "--pidfile", directory.appendingPathComponent("redis.pid").path, "--daemonize", "no",
            "--appendonly", "yes", "--appendfsync", "everysec", "--save", "",
        ]
        if let password { arguments += ["--requirepass", password] }
        let child = try ChildProcess(URL(fileURLWithPath: "/usr/bin/redis-server"), arguments: arguments, environment: [:])
        process.withLock { $0 = child }
        let probe = RedisClient(settings: settings, logger: Logger(label: "auditmate.tests.redis"))
        try await withCleanup {
            try await eventually(timeout: .seconds(20), "redis-server on port \(port) did not come up") {
                (try? await probe.ping()) != nil
            }
        } cleanup: {
            try? await probe.close()
        }
    }

    /// Stops the server the way an operator's restart does (SIGTERM, AOF flushed) and waits for it.
    public func stop() async throws {
        guard let child = process.withLock({ $0 }) else { return }
        child.signal(SIGTERM)
        try await child.waitForExit(timeout: .seconds(20))
        process.withLock { $0 = nil }
    }

    public func restart() async throws {
        try await stop()
        try await start()
    }

    /// Kills the server for good; `withRedisServer` calls it when its test ends.
    public func shutdown() async {
        if let child = process.withLock({ $0 }) { await child.terminate() }
        process.withLock { $0 = nil }
    }
}
