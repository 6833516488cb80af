/// The `/api/docs/` page: Swagger UI, loaded from the jsDelivr CDN as drf-spectacular does by default,
/// pointed at `/api/schema/`. Nothing third-party is vendored in this repository.
enum SwaggerUIPage {
    static let html = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
          <meta charset="utf-8">
          <meta name="viewport" content="width=device-width, initial-scale=1">
          <title>AuditMate API</title>
          <link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui.css">
        </head>
        <body>
          <div id="swagger-ui"></div>
          <script src="https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui-bundle.js" crossorigin></script>
          <script>
            window.onload = function () {
              window.ui = SwaggerUIBundle({ url: "/api/schema/", dom_id: "#swagger-ui", deepLinking: true });
            };
          </script>
        </body>
        </html>
        """
}
