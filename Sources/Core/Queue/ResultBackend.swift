import Foundation

/// Celery's Redis result backend format: `celery-task-meta-<id>` holds
/// `{status, result, traceback, children, date_done, task_id}` for one day, written with `SETEX` and
/// published on the key's channel in one atomic step, never over a stored SUCCESS. A Python client's
/// `AsyncResult(id).get()` reads it.
public struct ResultBackend: Sendable {
    public enum State: String, Sendable {
        case success = "SUCCESS"
        case failure = "FAILURE"
        case retry = "RETRY"
        case revoked = "REVOKED"
    }

    public let redis: RedisClient
    public let expiry: Duration

    public init(redis: RedisClient, expiry: Duration = .seconds(86_400)) {
        self.redis = redis
        self.expiry = expiry
    }

    public static func key(taskID: String) -> String { "celery-task-meta-" + taskID }

    /// Stores a task's outcome. Returns false when a SUCCESS was already stored (a duplicate run).
    @discardableResult
    public func store(taskID: String, state: State, result: JSONValue, traceback: String? = nil, parentID: String? = nil) async throws
        -> Bool
    {
        var document: [String: JSONValue] = [
            "status": .string(state.rawValue),
            "result": result,
            "traceback": traceback.map(JSONValue.string) ?? nil,
            "children": [],
            "date_done": state == .retry ? nil : .string(CeleryTime.format(Date())),
            "task_id": .string(taskID),
        ]
        if let parentID { document["parent_id"] = .string(parentID) }
        let reply = try await redis.evaluate(
            QueueScripts.storeResult,
            keys: [Self.key(taskID: taskID)],
            arguments: [JSONValue.object(document).jsonBytes, Int(expiry.seconds)]
        )
        return reply.int == 1
    }

    /// The stored document, or nil while the task is PENDING (no key).
    public func fetch(taskID: String) async throws -> JSONValue? {
        guard let bytes = try await redis.send("GET", Self.key(taskID: taskID)).bytes else { return nil }
        return try JSONValue(parsing: bytes)
    }

    /// Celery's serialized exception (`exc_type`, `exc_message`, `exc_module`), which the Python client
    /// turns back into an exception it raises from `get()`.
    public static func exception(_ failure: TaskFailure) -> JSONValue {
        [
            "exc_type": .string(failure.exceptionType),
            "exc_message": [.string(failure.message)],
            "exc_module": failure.exceptionModule.map(JSONValue.string) ?? nil,
        ]
    }
}
