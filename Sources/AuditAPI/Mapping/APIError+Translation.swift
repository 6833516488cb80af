import Core
import Hummingbird
import OpenAPIRuntime

extension APIError {
    /// Maps anything a handler or the generated server code can throw to the error the client sees.
    /// Unknown errors become a bare 500: their text may hold internals and is only logged.
    init(translating error: any Error) {
        if let known = APIError(raisedByHandler: error) {
            self = known
            return
        }
        switch error {
        case let error as ServerError:
            self = APIError(serverError: error)
        case let error as HTTPError:
            self = APIError.status(error.status)
        case let error as any HTTPResponseError:
            self = APIError.status(error.status)
        default:
            self = .serverError
        }
    }

    /// The errors handlers and services raise on purpose, each domain's own mapping. Thrown directly
    /// or wrapped in the generated server's `ServerError`, they get the same answer. A new domain
    /// error type goes here, once.
    private init?(raisedByHandler error: any Error) {
        switch error {
        case let error as APIError: self = error
        case is NotFound: self = .notFound
        case let error as IdentityError: self = APIError(error)
        case let error as IntegrationError: self = APIError(error)
        case let error as BillingError: self = APIError(error)
        case let error as AuditError: self = APIError(error)
        case let error as ScheduleError: self = APIError(error)
        case let error as ReportError: self = APIError(error)
        case let error as DecodingError: self = APIError(decoding: error)
        default: return nil
        }
    }

    /// The generated server wraps every failure; the cause decides the answer.
    private init(serverError: ServerError) {
        if let known = APIError(raisedByHandler: serverError.underlyingError) {
            self = known
        } else if serverError.httpStatus == .unsupportedMediaType {
            self = .unsupportedMediaType(serverError.request.headerFields[.contentType])
        } else {
            self = APIError.status(serverError.httpStatus)
        }
    }

    /// DRF reports body problems per field: `{"email": ["This field is required."]}`.
    private init(decoding error: DecodingError) {
        func field(_ path: [any CodingKey]) -> String? {
            let names = path.map { $0.intValue.map(String.init) ?? $0.stringValue }
            return names.isEmpty ? nil : names.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context):
            self.init(validation: [field(context.codingPath + [key]) ?? key.stringValue: ["This field is required."]])
        case .valueNotFound(_, let context):
            self = field(context.codingPath).map { APIError(validation: [$0: ["This field may not be null."]]) } ?? .malformed
        case .typeMismatch(let type, let context):
            let expected = Self.typeName(type)
            self = field(context.codingPath).map { APIError(validation: [$0: ["Not a valid \(expected)."]]) } ?? .malformed
        case .dataCorrupted(let context):
            if let name = field(context.codingPath) {
                self.init(validation: [name: ["Not a valid value."]])
            } else {
                self.init(.badRequest, detail: "JSON parse error - the request body is not valid JSON.")
            }
        @unknown default:
            self = .malformed
        }
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "string"
        case is Int.Type, is Int64.Type, is Int32.Type: "integer"
        case is Double.Type, is Float.Type: "number"
        case is Bool.Type: "boolean"
        default: "value"
        }
    }
}
