import Foundation

/// Tasks on the `diagnostics` queue that exercise the engine itself: tests and operators use them to
/// see executions, retries, failure hooks and time limits on a real worker. Each records what happened
/// in a Redis hash the caller names, so nothing depends on a domain table. A worker runs them only
/// when it consumes the `diagnostics` queue.
public enum DiagnosticTasks {
    public static let queue = "diagnostics"

    /// Every diagnostic task's declaration, for worker registries.
    public static let all: [TaskDeclaration] = [
        RecordExecution.declaration, Sleep.declaration, Fail.declaration, Echo.declaration,
    ]

    /// `diagnostics.record`: counts one execution under `token` in the hash `key` (`HINCRBY`).
    public struct RecordExecution: TaskPayload, Equatable {
        public static let declaration = TaskDeclaration(
            name: "diagnostics.record",
            queue: DiagnosticTasks.queue,
            argumentNames: ["key", "token", "work_ms"],
            // Its Redis write may meet a Redis restart; like any dependency error that is retried.
            retry: RetryPolicy(maxRetries: 5, base: .milliseconds(100), cap: .seconds(1)),
            ignoresResult: true
        )

        public var key: String
        public var token: String
        /// Simulated work before recording, so executions overlap with kills and restarts.
        public var workMilliseconds: Int?

        public init(key: String, token: String, workMilliseconds: Int? = nil) {
            self.key = key
            self.token = token
            self.workMilliseconds = workMilliseconds
        }

        enum CodingKeys: String, CodingKey {
            case key, token
            case workMilliseconds = "work_ms"
        }

        public func perform(using infrastructure: Infrastructure) async throws {
            if let workMilliseconds, workMilliseconds > 0 { try await Task.sleep(for: .milliseconds(workMilliseconds)) }
            try await infrastructure.redis.send("HINCRBY", key, token, 1)
        }

        public func recordFailure(_ failure: TaskFailure, using infrastructure: Infrastructure) async throws {}
    }

    /// `diagnostics.sleep`: sleeps `seconds`, then sets `token` to `done` in `key`. With `cooperative`
    /// false it ignores cancellation, as a task stuck in a blocking call would, to exercise hard limits.
    public struct Sleep: TaskPayload, Equatable {
        public static let declaration = TaskDeclaration(
            name: "diagnostics.sleep",
            queue: DiagnosticTasks.queue,
            argumentNames: ["seconds", "key", "token", "cooperative"],
            retry: .never,
            ignoresResult: false
        )

        public var seconds: Double
        public var key: String
        public var token: String
        public var cooperative: Bool?

        public init(seconds: Double, key: String, token: String, cooperative: Bool? = nil) {
            self.seconds = seconds
            self.key = key
            self.token = token
            self.cooperative = cooperative
        }

        public func perform(using infrastructure: Infrastructure) async throws {
            try await infrastructure.redis.send("HSET", key, token, "started")
            let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
            if cooperative ?? true {
                try await Task.sleep(until: deadline)
            } else {
                while ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
            }
            try await infrastructure.redis.send("HSET", key, token, "done")
        }

        public func recordFailure(_ failure: TaskFailure, using infrastructure: Infrastructure) async throws {
            try await infrastructure.redis.send("HSET", key, token, "ERROR: \(failure.kind.rawValue)")
        }
    }

    /// `diagnostics.fail`: counts the attempt under `token` in `key`, then fails (retryable) until it
    /// has failed `failures` times. Its failure hook marks `status:<token>` ERROR, as a domain hook
    /// marks its record.
    public struct Fail: TaskPayload, Equatable {
        public static let declaration = TaskDeclaration(
            name: "diagnostics.fail",
            queue: DiagnosticTasks.queue,
            argumentNames: ["key", "token", "failures"],
            retry: RetryPolicy(maxRetries: 3, base: .milliseconds(200), cap: .seconds(1)),
            ignoresResult: false
        )

        public var key: String
        public var token: String
        public var failures: Int

        public init(key: String, token: String, failures: Int) {
            self.key = key
            self.token = token
            self.failures = failures
        }

        /// Returns the attempt number when it succeeds.
        public func perform(using infrastructure: Infrastructure) async throws -> Int {
            let attempt = try await infrastructure.redis.send("HINCRBY", key, token, 1).int ?? 0
            if attempt <= failures { throw TaskFailure.transient("planned failure \(attempt) of \(failures)") }
            return attempt
        }

        public func recordFailure(_ failure: TaskFailure, using infrastructure: Infrastructure) async throws {
            try await infrastructure.redis.send("HSET", key, "status:" + token, "ERROR")
        }
    }

    /// `diagnostics.echo`: returns its arguments as `{"args": [...], "kwargs": {...}}` (after kombu's
    /// tagged values are decoded), to check what a Python producer's message looks like here.
    public struct Echo: Codable, Sendable {
        public static let declaration = TaskDeclaration(
            name: "diagnostics.echo",
            queue: DiagnosticTasks.queue,
            argumentNames: [],
            retry: .never,
            ignoresResult: false
        )

        public static func result(of body: TaskBody) -> JSONValue {
            ["args": .array(body.args), "kwargs": .object(body.kwargs)]
        }
    }
}
