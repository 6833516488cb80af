import Foundation

/// The arguments of one task, as a typed value. It names itself through `declaration`, and the engine
/// converts it to and from Celery's `[args, kwargs]` using the declared argument names, so a Python
/// `send_task("audits.scan", args=[id])` and `kwargs={"audit_id": id}` both decode.
public protocol TaskPayload: Codable, Sendable {
    static var declaration: TaskDeclaration { get }

    /// The failure hook: runs once the task has failed for good (last retry used, permanent error or
    /// time limit), before the message moves to the dead-letter list, or once its message turned out
    /// to be poison (its worker died `QUEUE_MAX_DELIVERIES` times running it), right after the move.
    /// It marks the domain record the task works on as ERROR. It may run more than once for one
    /// message, so it must be idempotent.
    func recordFailure(_ failure: TaskFailure, using infrastructure: Infrastructure) async throws
}

extension TaskPayload {
    /// The Celery body for this payload: declared arguments positionally, any others as kwargs.
    public func body() throws -> TaskBody {
        guard let members = try JSONValue(encoding: self).object else {
            throw TaskMessageError.badArguments(task: Self.declaration.name, reason: "payload does not encode as an object")
        }
        let names = Self.declaration.argumentNames
        var args = names.map { members[$0] ?? .null }
        // Trailing unset optionals are left out, as a Python caller relying on defaults would.
        while args.last == .null { args.removeLast() }
        let kwargs = members.filter { !names.contains($0.key) && $0.value != .null }
        return TaskBody(args: args, kwargs: kwargs)
    }

    /// Decodes a payload from a message body: positional arguments take the declared names in order,
    /// keyword arguments their own names.
    public init(body: TaskBody) throws(TaskMessageError) {
        let names = Self.declaration.argumentNames
        guard body.args.count <= names.count else {
            throw .badArguments(
                task: Self.declaration.name,
                reason: "takes at most \(names.count) positional argument(s) (\(names.joined(separator: ", "))), got \(body.args.count)"
            )
        }
        var members = body.kwargs
        for (name, value) in zip(names, body.args) { members[name] = value }
        do {
            self = try JSONValue.object(members).decode(Self.self)
        } catch {
            throw .badArguments(task: Self.declaration.name, reason: Self.describe(error))
        }
    }

    private static func describe(_ error: any Error) -> String {
        switch error as? DecodingError {
        case .keyNotFound(let key, _): "missing argument \(key.stringValue)"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            (context.codingPath.map(\.stringValue).joined(separator: ".") + " " + context.debugDescription)
                .trimmingCharacters(in: .whitespaces)
        default: "\(error)"
        }
    }
}
