import Core
import Synchronization

/// What the middleware establishes about a request for the handlers below it: who is calling,
/// from where, and the cookies to set on the way out. The generated handlers receive no request
/// context, so this travels as the request's one task-local value.
struct RequestScope: Sendable {
    @TaskLocal static var current = RequestScope(principal: nil, clientIP: "", baseURL: "", uri: "/")

    var principal: Principal?
    var clientIP: String
    /// `https://api.example.com`: the origin absolute links are built on.
    var baseURL: String
    /// The request's path and query, for links to other pages of the same list.
    var uri: String
    /// Request cookies handlers read besides the session's (which the middleware resolves).
    var cookies: [String: String] = [:]
    /// The audits' `AuditChanges` version, read with the request budget; nil when it was not.
    var auditsVersion: String?
    /// Headers for the response that the generated types cannot carry as they must be sent.
    let responseHeaders = ResponseHeaders()

    /// The caller, or 401 for anonymous requests.
    func authenticated() throws(IdentityError) -> Principal {
        guard let principal else { throw .notAuthenticated }
        return principal
    }
}

/// Headers a handler wants on its response that the generated types cannot express: several
/// `Set-Cookie` headers (they would be joined into one), and a `Location` path (it would be
/// percent-encoded). The authentication middleware writes them onto the response.
final class ResponseHeaders: Sendable {
    private let values = Mutex<[(String, String)]>([])

    func add(_ name: String, _ value: String) {
        values.withLock { $0.append((name, value)) }
    }

    func setCookie(_ cookie: String) {
        add("Set-Cookie", cookie)
    }

    var all: [(name: String, value: String)] { values.withLock { $0 } }
}
