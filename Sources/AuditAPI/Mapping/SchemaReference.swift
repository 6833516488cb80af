/// `$ref` resolution within openapi.yaml (as parsed into dictionaries), for the rules worked out
/// from it at start-up: response shapes, query and body rules.
enum SchemaReference {
    /// The node a `{"$ref": "#/components/..."}` points to, followed through chains; any other node
    /// as it is.
    static func resolve(_ node: Any?, in document: [String: Any], depth: Int = 0) -> Any? {
        guard depth < 32, let dictionary = node as? [String: Any], let reference = dictionary["$ref"] as? String else { return node }
        var target: Any? = document
        for part in reference.dropFirst(2).split(separator: "/") {
            target = (target as? [String: Any])?[String(part)]
        }
        return resolve(target, in: document, depth: depth + 1)
    }
}
