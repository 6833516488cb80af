import Foundation
import OpenAPIRuntime
import Yams

/// The OpenAPI document the server is generated from, served as written (YAML) and as a JSON object.
/// Converted once at start-up.
struct SchemaDocument: Sendable {
    let yaml: [UInt8]
    let object: OpenAPIObjectContainer
    let responseShapes: ResponseShapes
    let queryRules: QueryRules
    let bodyRules: BodyRules
    /// `/api/docs/` when Swagger UI is not installed: the operations as plain HTML.
    let referencePage: String

    init(yaml text: String) throws {
        guard let tree = try Yams.load(yaml: text) as? [String: Any] else { throw SchemaDocumentError.empty }
        let json = try JSONSerialization.data(withJSONObject: tree)
        self.yaml = Array(text.utf8)
        self.object = try JSONDecoder().decode(OpenAPIObjectContainer.self, from: json)
        self.responseShapes = ResponseShapes(document: tree)
        self.queryRules = QueryRules(document: tree)
        self.bodyRules = BodyRules(document: tree)
        self.referencePage = SwaggerUIPage.reference(tree)
    }

    /// `openapi.yaml`, shipped as a resource of the AuditAPI target.
    static func bundled() throws -> SchemaDocument {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml") else {
            throw SchemaDocumentError.missing
        }
        return try SchemaDocument(yaml: String(contentsOf: url, encoding: .utf8))
    }
}

enum SchemaDocumentError: Error, CustomStringConvertible {
    case missing
    case empty

    var description: String {
        switch self {
        case .missing: "openapi.yaml is missing from the AuditAPI resource bundle"
        case .empty: "openapi.yaml is empty"
        }
    }
}
