import Foundation

/// Every request budget the API keeps, with its key in the throttle store and its limit: the one
/// place that spells either (`Throttle` only counts).
public enum RequestBudget: Sendable {
    /// Calls to the authentication endpoints (`AuthenticationEndpoint`) from one address.
    case authentication(ip: String)
    /// Every other call of a logged-in user (`IdentityService.charge`).
    case user(UUID)
    /// Failed logins at one e-mail from one address; reserved before the password check.
    case loginFailures(ip: String, email: String)
    /// Wrong current passwords given by one user; reserved before the check.
    case passwordFailures(UUID)

    /// The throttle key. Addresses count by `Throttle.network(of:)`: an IPv6 caller's /64.
    var key: String {
        switch self {
        case .authentication(let ip): "auth-ip:\(Throttle.network(of: ip))"
        case .user(let id): "user:\(id.apiString)"
        case .loginFailures(let ip, let email): "login-fail:\(Throttle.network(of: ip)):\(email)"
        case .passwordFailures(let id): "password-fail:\(id.apiString)"
        }
    }

    var limit: Int {
        switch self {
        case .authentication: IdentityService.authenticationRequestLimit
        case .user: IdentityService.userRequestLimit
        case .loginFailures, .passwordFailures: IdentityService.loginFailureLimit
        }
    }
}

/// The endpoints that spend `RequestBudget.authentication` instead of their caller's request
/// budget, by path below `/api/v1/`. Each operation behind one names its case when it spends, and
/// the API's middleware exempts exactly these paths from the per-user budget, so a call is never
/// counted twice.
public enum AuthenticationEndpoint: String, CaseIterable, Sendable {
    case register = "auth/register/"
    case obtainTokens = "auth/token/"
    case refreshTokens = "auth/token/refresh/"
    case verifyToken = "auth/token/verify/"
    /// Opening a browser session (and closing one, which is the same path).
    case session = "auth/session/"
    case acceptInvitation = "invitations/accept/"
    case verifyEmail = "auth/verify-email/"
    case passwordReset = "auth/password-reset/"
}
