import Foundation

/// The top-level shape of each operation's JSON request body, from openapi.yaml: which fields are
/// required, and the JSON type of each. The generated decoder stops at the first problem; DRF
/// lists every invalid field at once (`POST auth/register/` with `{}` names both `email` and
/// `password`), so bodies are checked against these rules first.
struct BodyRules: Sendable {
    enum JSONType: String, Sendable {
        case string, integer, number, boolean, array, object

        /// DRF's message for a value of the wrong type.
        var mismatch: String {
            switch self {
            case .string: "Not a valid string."
            case .integer: "A valid integer is required."
            case .number: "A valid number is required."
            case .boolean: "Must be a valid boolean."
            case .array: "Expected a list of items."
            case .object: "Expected a dictionary of items."
            }
        }
    }

    struct Field: Sendable {
        let type: JSONType?
        let nullable: Bool
    }

    struct Body: Sendable {
        let required: [String]
        let fields: [String: Field]
        /// Whether the operation needs a caller: anonymous calls are left to answer 401 first.
        let authenticated: Bool
        /// Whether a request may come without a body at all.
        let optional: Bool
    }

    private let bodies: [String: Body]

    init(document: [String: Any]) {
        let globalSecurity = (document["security"] as? [Any]) ?? []
        var bodies: [String: Body] = [:]
        for case let (_, item as [String: Any]) in document["paths"] as? [String: Any] ?? [:] {
            for case let (_, operation as [String: Any]) in item {
                guard let id = operation["operationId"] as? String,
                    let requestBody = SchemaReference.resolve(operation["requestBody"], in: document) as? [String: Any],
                    let content = requestBody["content"] as? [String: Any],
                    let json = content["application/json"] as? [String: Any],
                    let schema = SchemaReference.resolve(json["schema"], in: document) as? [String: Any],
                    schema["type"] as? String == "object"
                else { continue }
                var fields: [String: Field] = [:]
                for case let (name, node) in schema["properties"] as? [String: Any] ?? [:] {
                    let property = SchemaReference.resolve(node, in: document) as? [String: Any] ?? [:]
                    fields[name] = Field(
                        type: (property["type"] as? String).flatMap(JSONType.init(rawValue:)),
                        nullable: property["nullable"] as? Bool ?? false
                    )
                }
                let security = (operation["security"] as? [Any]) ?? globalSecurity
                bodies[id] = Body(
                    required: schema["required"] as? [String] ?? [],
                    fields: fields,
                    authenticated: !security.isEmpty,
                    optional: requestBody["required"] as? Bool != true
                )
            }
        }
        self.bodies = bodies
    }

    func body(_ operationID: String) -> Body? { bodies[operationID] }

    /// Every field error of `object` under `body`, DRF's way; empty when the decoder may take over.
    static func errors(_ object: [String: Any], _ body: Body) -> [String: [String]] {
        var errors: [String: [String]] = [:]
        for name in body.required where object[name] == nil {
            errors[name] = ["This field is required."]
        }
        for (name, value) in object {
            guard let field = body.fields[name] else { continue }
            if value is NSNull {
                if !field.nullable { errors[name] = ["This field may not be null."] }
                continue
            }
            if let type = field.type, !matches(value, type) { errors[name] = [type.mismatch] }
        }
        return errors
    }

    private static func matches(_ value: Any, _ type: JSONType) -> Bool {
        let isBoolean = (value as? NSNumber).map { String(cString: $0.objCType) == "c" } ?? false
        switch type {
        case .string: return value is String
        case .boolean: return isBoolean
        case .integer: return !isBoolean && (value as? NSNumber).map { $0.doubleValue.rounded() == $0.doubleValue } == true
        case .number: return !isBoolean && value is NSNumber
        case .array: return value is [Any]
        case .object: return value is [String: Any]
        }
    }
}
