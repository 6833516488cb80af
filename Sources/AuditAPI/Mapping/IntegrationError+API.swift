import Core

extension APIError {
    init(_ error: IntegrationError) {
        switch error {
        case .validation(let fields):
            self.init(validation: fields)
        case .upstream(let message):
            self.init(.badGateway, detail: message)
        case .oauthNotConfigured:
            self.init(
                .serviceUnavailable,
                detail: "GitHub OAuth is not configured on this server (GITHUB_CLIENT_ID, GITHUB_CLIENT_SECRET)."
            )
        }
    }
}
