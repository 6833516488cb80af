import Core
import HTTPTypes

extension APIError {
    /// The DRF / SimpleJWT answer for an identity failure.
    init(_ error: IdentityError) {
        switch error {
        case .invalidCredentials:
            self.init(.unauthorized, detail: "No active account found with the given credentials", code: "no_active_account")
        case .otpRequired:
            self.init(
                .unauthorized,
                detail: "A code from your authenticator app (or a recovery code) is required in `otp`.",
                code: "otp_required"
            )
        case .twoFactorRequired:
            self.init(
                .forbidden,
                detail: "This organization requires a second factor; set one up at /api/v1/users/me/two-factor/.",
                code: "two_factor_required"
            )
        case .invalidToken:
            self.init(
                .unauthorized,
                detail: "Token is invalid or expired",
                code: "token_not_valid",
                headers: [.wwwAuthenticate: #"Bearer realm="api""#]
            )
        case .notAuthenticated:
            self = .notAuthenticated
        case .permissionDenied:
            self = .permissionDenied
        case .paymentRequired:
            self.init(.init(code: 402, reasonPhrase: "Payment Required"), detail: "An active subscription is required.")
        case .csrfFailed:
            self.init(.forbidden, detail: "CSRF Failed: CSRF token missing or incorrect.")
        case .validation(let fields):
            self.init(validation: fields)
        case .rejected(let message):
            self.init(.badRequest, detail: message)
        case .throttled(let seconds):
            self = .throttled(retryAfter: seconds)
        }
    }
}
