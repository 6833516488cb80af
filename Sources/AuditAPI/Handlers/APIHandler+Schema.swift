import OpenAPIRuntime

/// Tag `schema`: the OpenAPI document and its Swagger UI page.
extension APIHandler {
    func getSchema(_ input: Operations.GetSchema.Input) async throws -> Operations.GetSchema.Output {
        let wantsYAML: Bool
        switch input.query.format {
        case .yaml: wantsYAML = true
        case .json: wantsYAML = false
        case nil:
            // JSON unless the client asks for YAML and not JSON (JSON parses as YAML too).
            let accepted = input.headers.accept.map(\.contentType)
            wantsYAML = accepted.contains(.yaml) && !accepted.contains(.applicationVnd_oai_openapiJson)
        }
        let body: Operations.GetSchema.Output.Ok.Body =
            wantsYAML
            ? .yaml(HTTPBody(schema.yaml))
            : .applicationVnd_oai_openapiJson(.init(additionalProperties: schema.object))
        return .ok(.init(body: body))
    }

    func getDocs(_ input: Operations.GetDocs.Input) async throws -> Operations.GetDocs.Output {
        .ok(.init(body: .html(HTTPBody(docs.isInstalled ? SwaggerUIPage.html : schema.referencePage))))
    }

    func getDocsFile(_ input: Operations.GetDocsFile.Input) async throws -> Operations.GetDocsFile.Output {
        guard let asset = docs.assets[input.path.file.rawValue] else { throw APIError.notFound }
        let body = HTTPBody(asset.bytes)
        return .ok(.init(body: asset.type.hasPrefix("text/css") ? .textCss(body) : .textJavascript(body)))
    }
}
