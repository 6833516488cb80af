/// Why a message taken from a queue cannot be run. None of these improve with a retry: the message
/// goes to the dead-letter list with the description as its error.
public enum TaskMessageError: Error, Equatable, CustomStringConvertible, Sendable {
    case notJSON(String)
    case notAnEnvelope
    case unsupportedContentType(String)
    case compressed(String)
    case protocolVersion1
    case missingHeader(String)
    case badBody(String)
    case badArguments(task: String, reason: String)
    case unregisteredTask(String)

    public var description: String {
        switch self {
        case .notJSON(let reason): "message is not JSON: \(reason)"
        case .notAnEnvelope: "message is not a kombu envelope (a JSON object with body, headers and properties)"
        case .unsupportedContentType(let type):
            "unsupported content type \"\(type)\": only application/json is accepted (set accept_content=['json'] and task_serializer='json' on Python producers)"
        case .compressed(let method): "compressed bodies (\(method)) are not supported"
        case .protocolVersion1: "Celery message protocol 1 is not supported (headers.task missing); use protocol 2"
        case .missingHeader(let name): "message has no \(name) header"
        case .badBody(let reason): "message body is not [args, kwargs, embed]: \(reason)"
        case .badArguments(let task, let reason): "arguments do not fit task \(task): \(reason)"
        case .unregisteredTask(let name): "no task named \(name) is registered on this worker"
        }
    }
}
