import Foundation

/// The `/api/docs/` page. Swagger UI's own files come from the distribution installed on the
/// server (`SWAGGER_UI_DIR`, the `swagger-ui-dist` that drf-spectacular-sidecar ships, installed by
/// the run and test scripts and the container build), served by the API itself: nothing is loaded
/// from another origin, and no script or style is inline, so the page runs under
/// `default-src 'self'`. Without the distribution, the page is our own list of the operations.
struct SwaggerUIPage: Sendable {
    /// The files the page loads, by the name it loads them under.
    let assets: [String: (type: String, bytes: [UInt8])]

    static let assetNames = ["swagger-ui.css", "swagger-ui-bundle.js", "swagger-initializer.js"]

    /// Reads the distribution from `directory` once; nil directory means none is installed.
    init(directory: String?) throws {
        guard let directory else {
            assets = [:]
            return
        }
        var assets: [String: (type: String, bytes: [UInt8])] = [:]
        for name in ["swagger-ui.css", "swagger-ui-bundle.js"] {
            let url = URL(fileURLWithPath: directory).appendingPathComponent(name)
            assets[name] = (
                name.hasSuffix(".css") ? "text/css; charset=utf-8" : "text/javascript; charset=utf-8", Array(try Data(contentsOf: url))
            )
        }
        assets["swagger-initializer.js"] = ("text/javascript; charset=utf-8", Array(Self.initializer.utf8))
        self.assets = assets
    }

    var isInstalled: Bool { !assets.isEmpty }

    /// Ours, not the distribution's: its initializer points at the Petstore demo.
    static let initializer = """
        window.addEventListener("load", function () {
          window.ui = SwaggerUIBundle({ url: "/api/schema/", dom_id: "#swagger-ui", deepLinking: true });
        });
        """

    static let html = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
          <meta charset="utf-8">
          <meta name="viewport" content="width=device-width, initial-scale=1">
          <title>AuditMate API</title>
          <link rel="stylesheet" href="/api/docs/swagger-ui.css">
        </head>
        <body>
          <div id="swagger-ui"></div>
          <script src="/api/docs/swagger-ui-bundle.js"></script>
          <script src="/api/docs/swagger-initializer.js"></script>
        </body>
        </html>
        """

    /// The page without Swagger UI: every operation, from the schema, as plain HTML.
    static func reference(_ document: [String: Any]) -> String {
        var rows: [String] = []
        let paths = (document["paths"] as? [String: Any] ?? [:]).sorted { $0.key < $1.key }
        for (path, item) in paths {
            for (method, operation) in (item as? [String: Any] ?? [:]).sorted(by: { $0.key < $1.key }) {
                guard let operation = operation as? [String: Any] else { continue }
                let summary = operation["summary"] as? String ?? ""
                rows.append(
                    "<tr><td>\(escape(method.uppercased()))</td><td><code>\(escape(path))</code></td><td>\(escape(summary))</td></tr>"
                )
            }
        }
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>AuditMate API</title></head>
            <body>
            <h1>AuditMate API</h1>
            <p>The OpenAPI document is at <a href="/api/schema/">/api/schema/</a> (<a href="/api/schema/?format=yaml">YAML</a>).
            Swagger UI is not installed on this server (set <code>SWAGGER_UI_DIR</code>).</p>
            <table><thead><tr><th>Method</th><th>Path</th><th>Summary</th></tr></thead><tbody>
            \(rows.joined(separator: "\n"))
            </tbody></table>
            </body>
            </html>
            """
    }

    private static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
