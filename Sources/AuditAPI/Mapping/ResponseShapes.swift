import Foundation

/// Where each JSON response of the spec has properties that are required but nullable.
///
/// The generated types encode `nil` by leaving the key out, but DRF clients read `"next": null`
/// and `"accepted_at": null`: a required key must be present. This is worked out once from
/// openapi.yaml, so the spec stays the single statement of which keys those are.
struct ResponseShapes: Sendable {
    indirect enum Shape: Sendable {
        case object(nullable: Set<String>, properties: [String: Shape], additional: Shape?)
        case array(Shape)
        case leaf

        /// Whether filling can change anything below this shape.
        var hasNullable: Bool {
            switch self {
            case .object(let nullable, let properties, let additional):
                !nullable.isEmpty || properties.values.contains(where: \.hasNullable) || additional?.hasNullable == true
            case .array(let items): items.hasNullable
            case .leaf: false
            }
        }
    }

    /// `operationId status` → shape, only for responses that have a required nullable key somewhere.
    private let shapes: [String: Shape]

    init(document: [String: Any]) {
        let resolver = Resolver(document: document)
        var shapes: [String: Shape] = [:]
        for case let (_, item as [String: Any]) in document["paths"] as? [String: Any] ?? [:] {
            for case let (_, operation as [String: Any]) in item {
                guard let id = operation["operationId"] as? String else { continue }
                for case let (status, response) in operation["responses"] as? [String: Any] ?? [:] {
                    let resolved = resolver.resolve(response) as? [String: Any]
                    let content = resolved?["content"] as? [String: Any]
                    let schema = (content?["application/json"] as? [String: Any])?["schema"]
                    guard let schema else { continue }
                    let shape = resolver.shape(of: schema, depth: 0)
                    if shape.hasNullable { shapes["\(id) \(status)"] = shape }
                }
            }
        }
        self.shapes = shapes
    }

    func shape(operationID: String, status: Int) -> Shape? {
        shapes["\(operationID) \(status)"]
    }

    /// Follows `$ref`s within the document and reduces schemas to shapes.
    private struct Resolver {
        let document: [String: Any]

        func resolve(_ node: Any?) -> Any? { SchemaReference.resolve(node, in: document) }

        func isNullable(_ node: Any?) -> Bool {
            guard let schema = resolve(node) as? [String: Any] else { return false }
            if schema["nullable"] as? Bool == true { return true }
            return (schema["allOf"] as? [Any])?.contains(where: isNullable) == true
        }

        func shape(of node: Any, depth: Int) -> Shape {
            guard depth < 32, let schema = resolve(node) as? [String: Any] else { return .leaf }
            if let parts = schema["allOf"] as? [Any] {
                return parts.map { shape(of: $0, depth: depth + 1) }.reduce(Shape.leaf, merge)
            }
            if schema["type"] as? String == "array" {
                return .array(schema["items"].map { shape(of: $0, depth: depth + 1) } ?? .leaf)
            }
            let propertyNodes = schema["properties"] as? [String: Any] ?? [:]
            let additionalNode = schema["additionalProperties"] as? [String: Any]
            guard !propertyNodes.isEmpty || additionalNode != nil else { return .leaf }
            let required = Set(schema["required"] as? [String] ?? [])
            return .object(
                nullable: Set(required.filter { isNullable(propertyNodes[$0]) }),
                properties: propertyNodes.mapValues { shape(of: $0, depth: depth + 1) },
                additional: additionalNode.map { shape(of: $0, depth: depth + 1) }
            )
        }

        private func merge(_ lhs: Shape, _ rhs: Shape) -> Shape {
            switch (lhs, rhs) {
            case (.leaf, _): rhs
            case (_, .leaf): lhs
            case (.object(let n1, let p1, let a1), .object(let n2, let p2, let a2)):
                .object(nullable: n1.union(n2), properties: p1.merging(p2) { first, _ in first }, additional: a1 ?? a2)
            default: lhs
            }
        }
    }
}
