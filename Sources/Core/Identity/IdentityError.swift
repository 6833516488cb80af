/// Why an identity operation was refused. The API maps each case to a status and DRF body; the
/// wording of the credential and token cases is SimpleJWT's, which existing clients match on.
public enum IdentityError: Error, Equatable, Sendable {
    /// Wrong e-mail or password, or a deactivated account (never says which).
    case invalidCredentials
    /// The password was right, but the account has a second factor and no code came with it.
    case otpRequired
    /// The organization requires a second factor and the caller has none.
    case twoFactorRequired
    /// A bad, expired, revoked or wrong-type token.
    case invalidToken
    /// No credentials on a request that needs them.
    case notAuthenticated
    /// Authenticated, but the role does not allow the action.
    case permissionDenied
    /// The action is premium and the organization's subscription is not active (402).
    case paymentRequired
    /// A cookie-authenticated unsafe request without a matching CSRF token.
    case csrfFailed
    /// Field errors, DRF style: `["password": ["..."]]`.
    case validation([String: [String]])
    /// A request-level refusal with a message, e.g. removing the last admin.
    case rejected(String)
    /// Too many attempts; try again after this many seconds.
    case throttled(retryAfter: Int)
}
