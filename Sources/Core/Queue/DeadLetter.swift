import Foundation

/// One entry of a queue's dead-letter list (`auditmate.dead.<queue>`): the message as it was last
/// delivered, why it failed and when. Messages that are not even JSON keep their bytes in `raw`.
public struct DeadLetter: Sendable, Equatable {
    /// Why a message ended here; stored as `reason`, a stable value operators and alerts can match.
    public enum Reason: String, Sendable, CaseIterable {
        /// The task failed for good: its last retry failed, the failure was permanent, or it ran out
        /// of time. The failure hook has marked its record ERROR.
        case failed
        /// The message cannot run at all: not JSON, not a protocol v2 envelope, an unknown task, or
        /// arguments that do not fit. No hook runs: the message names no usable record.
        case badMessage = "bad_message"
        /// The task stopped its worker (the process died while running it) `QUEUE_MAX_DELIVERIES`
        /// times without finishing; the failure hook has marked its record ERROR.
        case poison
    }

    public var error: String
    /// Nil for entries written before reasons were recorded.
    public var reason: Reason?
    public var failedAt: String
    public var queue: String
    public var message: JSONValue?
    public var raw: String?

    public init(error: String, reason: Reason, failedAt: Date = Date(), queue: String, message: [UInt8]) {
        self.error = error
        self.reason = reason
        self.failedAt = CeleryTime.format(failedAt)
        self.queue = queue
        if let parsed = try? JSONValue(parsing: message), parsed.object != nil {
            self.message = parsed
        } else {
            self.raw = String(decoding: message, as: UTF8.self)
        }
    }

    public init?(entry: [UInt8]) {
        guard let value = try? JSONValue(parsing: entry), let error = value["error"]?.string else { return nil }
        self.error = error
        self.reason = value["reason"]?.string.flatMap(Reason.init(rawValue:))
        self.failedAt = value["failed_at"]?.string ?? ""
        self.queue = value["queue"]?.string ?? ""
        self.message = value["message"]
        self.raw = value["raw"]?.string
    }

    public var envelope: TaskEnvelope? { message?.object.map(TaskEnvelope.init(json:)) }
    public var taskID: String? { envelope?.id }
    public var taskName: String? { envelope?.taskName }

    public func encoded() -> [UInt8] {
        var members: [String: JSONValue] = ["error": .string(error), "failed_at": .string(failedAt), "queue": .string(queue)]
        if let reason { members["reason"] = .string(reason.rawValue) }
        if let message { members["message"] = message }
        if let raw { members["raw"] = .string(raw) }
        if let envelope {
            members["task"] = .string(envelope.taskName)
            members["id"] = .string(envelope.id)
            members["retries"] = .int(envelope.retries)
        }
        return JSONValue.object(members).jsonBytes
    }
}
