import Core
import Foundation

/// The browser-session cookies, under Django's names so an existing SPA finds them.
enum SessionCookies {
    static let session = "sessionid"
    static let csrf = "csrftoken"

    /// `sessionid` (HttpOnly: scripts never see it) and `csrftoken` (readable by the SPA, which
    /// echoes it in `X-CSRFToken`). Secure in production, SameSite=Lax always.
    static func set(_ session: BrowserSession, secure: Bool) -> [String] {
        let maxAge = max(0, Int(session.expiresAt.timeIntervalSinceNow))
        return [
            cookie(Self.session, session.token, maxAge: maxAge, httpOnly: true, secure: secure),
            cookie(Self.csrf, session.csrfToken, maxAge: maxAge, httpOnly: false, secure: secure),
        ]
    }

    static func clear(secure: Bool) -> [String] {
        [
            cookie(Self.session, "", maxAge: 0, httpOnly: true, secure: secure),
            cookie(Self.csrf, "", maxAge: 0, httpOnly: false, secure: secure),
        ]
    }

    static func cookie(_ name: String, _ value: String, path: String = "/", maxAge: Int, httpOnly: Bool, secure: Bool) -> String {
        var cookie = "\(name)=\(value); Path=\(path); Max-Age=\(maxAge); SameSite=Lax"
        if httpOnly { cookie += "; HttpOnly" }
        if secure { cookie += "; Secure" }
        return cookie
    }
}

/// The cookie that binds a GitHub OAuth flow to the browser that started it: HttpOnly, SameSite=Lax
/// (sent on GitHub's top-level redirect back, not on cross-site subrequests), and only to the
/// callback path, for as long as the state lives.
enum OAuthBindingCookie {
    static let name = "auditmate_github_oauth"
    static let path = "/api/v1/integrations/github/callback/"

    static func set(_ value: String, secure: Bool) -> String {
        SessionCookies.cookie(name, value, path: path, maxAge: IntegrationService.stateLifetime, httpOnly: true, secure: secure)
    }

    static func clear(secure: Bool) -> String {
        SessionCookies.cookie(name, "", path: path, maxAge: 0, httpOnly: true, secure: secure)
    }
}
