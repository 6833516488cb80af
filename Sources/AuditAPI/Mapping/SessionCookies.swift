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

    private static func cookie(_ name: String, _ value: String, maxAge: Int, httpOnly: Bool, secure: Bool) -> String {
        var cookie = "\(name)=\(value); Path=/; Max-Age=\(maxAge); SameSite=Lax"
        if httpOnly { cookie += "; HttpOnly" }
        if secure { cookie += "; Secure" }
        return cookie
    }
}
