import Foundation

/// One Celery protocol v2 message exactly as kombu's Redis transport stores it in a queue list: a JSON
/// object with a base64 `body` of `[args, kwargs, embed]`, `headers` (task, id, retries, eta, ...) and
/// `properties` (delivery tag, delivery info, priority, ...).
///
/// The whole object is kept, so headers this engine does not know (Celery adds some in every release)
/// survive a retry or a redelivery untouched.
public struct TaskEnvelope: Sendable, Equatable {
    public private(set) var json: [String: JSONValue]

    public init(json: [String: JSONValue]) {
        self.json = json
    }

    /// Parses a queue element and checks that it is a protocol v2 JSON message.
    public init(parsing bytes: [UInt8]) throws(TaskMessageError) {
        let value: JSONValue
        do {
            value = try JSONValue(parsing: bytes)
        } catch {
            throw .notJSON(error.description)
        }
        guard let object = value.object, object["headers"]?.object != nil, object["properties"]?.object != nil, object["body"] != nil
        else {
            throw .notAnEnvelope
        }
        json = object
        if let type = object["content-type"]?.string, type != "application/json" {
            throw .unsupportedContentType(type)
        }
        if let compression = headers["compression"]?.string {
            throw .compressed(compression)
        }
        guard headers["task"]?.string != nil else { throw .protocolVersion1 }
        guard headers["id"]?.string != nil else { throw .missingHeader("id") }
    }

    public var bytes: [UInt8] { JSONValue.object(json).jsonBytes }

    public var headers: [String: JSONValue] { json["headers"]?.object ?? [:] }
    public var properties: [String: JSONValue] { json["properties"]?.object ?? [:] }

    public var id: String { headers["id"]?.string ?? "" }
    public var taskName: String { headers["task"]?.string ?? "" }
    public var retries: Int { headers["retries"]?.int ?? 0 }
    public var rootID: String? { headers["root_id"]?.string }
    public var parentID: String? { headers["parent_id"]?.string }
    public var eta: Date? { headers["eta"]?.string.flatMap(CeleryTime.parse) }
    public var expires: Date? { headers["expires"]?.string.flatMap(CeleryTime.parse) }
    public var ignoresResult: Bool { headers["ignore_result"]?.bool ?? false }
    public var priority: Int { properties["priority"]?.int ?? 0 }
    public var deliveryTag: String? { properties["delivery_tag"]?.string }
    public var routingKey: String? { properties["delivery_info"]?["routing_key"]?.string }
    /// AuditMate's own header: a per-message override of the task's retry limit (Celery ignores it).
    public var maxRetries: Int? { headers["max_retries"]?.int }

    /// When an AuditMate producer published the message (epoch seconds); nil for other producers.
    public var sentAt: Double? { headers["sent_at"]?.double }

    /// `headers.timelimit`, which Celery writes `[hard, soft]` in seconds, either may be null.
    public var timeLimit: (hard: Double?, soft: Double?) {
        guard let pair = headers["timelimit"]?.array, pair.count == 2 else { return (nil, nil) }
        return (pair[0].double, pair[1].double)
    }

    /// The decoded body, with kombu's tagged values replaced by plain JSON.
    public func body() throws(TaskMessageError) -> TaskBody {
        guard let text = json["body"]?.string else { throw .badBody("body is not a string") }
        let raw: [UInt8]
        if properties["body_encoding"]?.string == "base64" {
            guard let data = Data(base64Encoded: text) else { throw .badBody("body is not valid base64") }
            raw = Array(data)
        } else {
            raw = Array(text.utf8)
        }
        let value: JSONValue
        do {
            value = try JSONValue(parsing: raw)
        } catch {
            throw .badBody(error.description)
        }
        guard let parts = value.array, parts.count >= 2, let args = parts[0].array, let kwargs = parts[1].object else {
            throw .badBody("expected a JSON array [args, kwargs, embed]")
        }
        return TaskBody(
            args: args.map(KombuJSON.untagged),
            kwargs: kwargs.mapValues(KombuJSON.untagged),
            embed: parts.count > 2 ? parts[2] : .null
        )
    }

    mutating func setHeader(_ name: String, _ value: JSONValue?) {
        var headers = self.headers
        headers[name] = value
        json["headers"] = .object(headers)
    }

    mutating func setProperty(_ name: String, _ value: JSONValue?) {
        var properties = self.properties
        properties[name] = value
        json["properties"] = .object(properties)
    }

    /// The envelope as kombu restores it: `redelivered` set in the headers and the delivery info.
    public func redelivered() -> TaskEnvelope {
        var copy = self
        copy.setHeader("redelivered", true)
        if var info = properties["delivery_info"]?.object {
            info["redelivered"] = true
            copy.setProperty("delivery_info", .object(info))
        }
        return copy
    }

    /// The retry of this message, as Celery's `Task.retry` publishes it: same id and body, retries + 1,
    /// `parent_id` = this task's id, a new `eta` and a fresh delivery tag.
    public func retry(eta: Date) -> TaskEnvelope {
        var copy = self
        copy.setHeader("retries", .int(retries + 1))
        copy.setHeader("parent_id", .string(id))
        copy.setHeader("eta", .string(CeleryTime.format(eta)))
        copy.setHeader("redelivered", nil)
        copy.setProperty("delivery_tag", .string(TaskEnvelope.newID()))
        if var info = properties["delivery_info"]?.object {
            info["redelivered"] = nil
            copy.setProperty("delivery_info", .object(info))
        }
        return copy
    }

    /// A fresh run of a dead-lettered message: retries from zero, no ETA, a new delivery tag.
    public func requeued() -> TaskEnvelope {
        var copy = self
        copy.setHeader("retries", 0)
        copy.setHeader("eta", .null)
        copy.setHeader("redelivered", nil)
        copy.setProperty("delivery_tag", .string(TaskEnvelope.newID()))
        return copy
    }

    /// A lowercase v4 UUID, the form Celery uses for task ids and kombu for delivery tags.
    public static func newID() -> String {
        UUID().apiString
    }
}
