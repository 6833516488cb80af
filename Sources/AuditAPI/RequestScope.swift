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
    let cookies = ResponseCookies()

    /// The caller, or 401 for anonymous requests.
    func authenticated() throws(IdentityError) -> Principal {
        guard let principal else { throw .notAuthenticated }
        return principal
    }
}

/// `Set-Cookie` values a handler wants on its response. Several cookies need several headers,
/// which the generated response types cannot carry, so the authentication middleware writes them.
final class ResponseCookies: Sendable {
    private let values = Mutex<[String]>([])

    func set(_ cookie: String) {
        values.withLock { $0.append(cookie) }
    }

    var all: [String] { values.withLock { $0 } }
}
