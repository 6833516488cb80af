import Foundation

/// One entry of a queue's dead-letter list (`auditmate.dead.<queue>`): the message as it was last
/// delivered, why it failed and when. Messages that are not even JSON keep their bytes in `raw`.
public struct DeadLetter: Sendable, Equatable {
    public var error: String
    public var failedAt: String
    public var queue: String
    public var message: JSONValue?
    public var raw: String?

    public init(error: String, failedAt: Date = Date(), queue: String, message: [UInt8]) {
        self.error = error
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
