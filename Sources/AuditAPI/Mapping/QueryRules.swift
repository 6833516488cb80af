import Core
import Foundation

/// What each operation of the spec accepts in its query string, worked out once from openapi.yaml:
/// integers with their bounds, choices (enums) and UUIDs. The generated decoders refuse bad values
/// too, but with an error that names nothing (and an integer that fits `Int` still has to be range
/// checked before any arithmetic); these rules give DRF's answers instead.
struct QueryRules: Sendable {
    enum Kind: Sendable, Equatable {
        /// DRF's `?page=`: anything but a page number in range is 404 "Invalid page."
        case page
        case integer(ClosedRange<Int>)
        case choice([String])
        case uuid
    }

    struct Operation: Sendable {
        let parameters: [String: Kind]
        /// Path parameters: a value that does not fit names no resource (404, as a URL DRF does
        /// not route).
        let path: [String: Kind]
        /// Whether the operation needs a caller: anonymous calls are left to answer 401 first.
        let authenticated: Bool
    }

    private let operations: [String: Operation]

    init(document: [String: Any]) {
        let globalSecurity = (document["security"] as? [Any]) ?? []
        var operations: [String: Operation] = [:]
        for case let (_, item as [String: Any]) in document["paths"] as? [String: Any] ?? [:] {
            let shared = item["parameters"] as? [Any] ?? []
            for case let (_, operation as [String: Any]) in item {
                guard let id = operation["operationId"] as? String else { continue }
                var parameters: [String: Kind] = [:]
                var path: [String: Kind] = [:]
                for node in shared + (operation["parameters"] as? [Any] ?? []) {
                    guard let parameter = SchemaReference.resolve(node, in: document) as? [String: Any],
                        let name = parameter["name"] as? String,
                        let schema = SchemaReference.resolve(parameter["schema"], in: document) as? [String: Any],
                        let kind = Self.kind(name: name, schema: schema, document: document)
                    else { continue }
                    switch parameter["in"] as? String {
                    case "query": parameters[name] = kind
                    case "path": path[name] = kind
                    default: continue
                    }
                }
                let security = (operation["security"] as? [Any]) ?? globalSecurity
                operations[id] = Operation(parameters: parameters, path: path, authenticated: !security.isEmpty)
            }
        }
        self.operations = operations
    }

    func operation(_ id: String) -> Operation? { operations[id] }

    private static func kind(name: String, schema: [String: Any], document: [String: Any]) -> Kind? {
        if let values = schema["enum"] as? [Any] { return .choice(values.map { "\($0)" }) }
        switch schema["type"] as? String {
        case "integer":
            if name == "page" { return .page }
            let minimum = (schema["minimum"] as? Int) ?? Int.min
            let maximum = (schema["maximum"] as? Int) ?? Int.max
            return .integer(minimum...maximum)
        case "string" where schema["format"] as? String == "uuid":
            return .uuid
        default:
            return nil
        }
    }
}

extension QueryRules {
    /// The largest page number served: past it every list is empty anyway, and page × size must
    /// never overflow.
    static let largestPage = 10_000_000

    /// Whether every path parameter the operation declares fits it.
    static func pathFits(_ values: [String: Substring], _ operation: Operation) -> Bool {
        operation.path.allSatisfy { name, kind in
            guard let raw = values[name] else { return true }
            let value = String(raw).removingPercentEncoding ?? String(raw)
            switch kind {
            case .page: return OutsideValue.integer(value, in: 1...largestPage) != nil
            case .integer(let range): return OutsideValue.integer(value, in: range) != nil
            case .choice(let values): return values.contains(value)
            case .uuid: return UUID(uuidString: value) != nil
            }
        }
    }

    /// The refusal for `query` under `operation`, or nil when every parameter it knows is valid.
    /// Parameters the operation does not declare are ignored, as DRF ignores them.
    static func refusal(_ query: String, _ operation: Operation) -> APIError? {
        let items = URLComponents(string: "?" + query)?.queryItems ?? []
        var fields: [String: [String]] = [:]
        for item in items {
            guard let kind = operation.parameters[item.name] else { continue }
            let value = item.value ?? ""
            switch kind {
            case .page:
                if OutsideValue.integer(value, in: 1...largestPage) == nil { return Pagination.invalidPage }
            case .integer(let range):
                if OutsideValue.integer(value, in: range) == nil {
                    fields[item.name, default: []].append("Enter a whole number from \(range.lowerBound) to \(range.upperBound).")
                }
            case .choice(let values):
                if !values.contains(value) {
                    fields[item.name, default: []].append("Select a valid choice. \(value) is not one of the available choices.")
                }
            case .uuid:
                if UUID(uuidString: value) == nil { fields[item.name, default: []].append("Enter a valid UUID.") }
            }
        }
        return fields.isEmpty ? nil : APIError(validation: fields)
    }
}
