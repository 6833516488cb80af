import Core
import HTTPTypes
import Hummingbird

/// Resolves the caller of every `/api/v1/` request (bearer access token, else session cookie),
/// enforces CSRF on cookie-authenticated unsafe requests, spends the caller's request budget, and
/// makes the result available to handlers as `RequestScope.current`.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    let identity: IdentityService
    let http: HTTPSettings
    let trustedProxies: [IPAddressRange]

    static let apiPrefix = "/api/v1/"
    /// Endpoints with budgets of their own (per IP and per e-mail), counted by the identity service.
    static let authenticationPaths = Set(AuthenticationEndpoint.allCases.map { apiPrefix + $0.rawValue })

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        guard path.hasPrefix(Self.apiPrefix) else { return try await next(request, context) }

        let trustedPeer = ClientAddress.isTrusted(context.peerAddress ?? "", trustedProxies)
        var scope = RequestScope(
            principal: nil,
            clientIP: ClientAddress.resolve(
                peer: context.peerAddress,
                forwardedFor: request.headers[.xForwardedFor],
                trustedProxies: trustedProxies
            ),
            baseURL: http.publicURL ?? Self.origin(of: request, trustedPeer: trustedPeer),
            uri: request.uri.description
        )
        let budgeted = !Self.authenticationPaths.contains(path)
        let authentication = try await authentication(of: request, budgeted: budgeted)
        scope.principal = authentication?.principal
        // Read in the budget's round trip for `HotResponsesMiddleware`, which would otherwise ask
        // Redis again: a few bytes on every request, against a round trip on the hottest ones.
        scope.auditsVersion = AuditChanges.version(of: authentication?.alongside)
        if let binding = request.cookies[OAuthBindingCookie.name]?.value { scope.cookies[OAuthBindingCookie.name] = binding }
        if let authentication, budgeted {
            try await identity.charge(authentication)
        }
        if authentication?.principal.secondFactorMissing == true, !Self.openWithoutSecondFactor(path) {
            throw IdentityError.twoFactorRequired
        }
        var response = try await RequestScope.$current.withValue(scope) {
            try await next(request, context)
        }
        for header in scope.responseHeaders.all {
            guard let name = HTTPField.Name(header.name) else { continue }
            if name == .setCookie {
                response.headers.append(HTTPField(name: name, value: header.value))
            } else {
                response.headers[name] = header.value
            }
        }
        return response
    }

    /// The caller's credentials checked, CSRF included; with `budgeted`, the request budget is
    /// counted in the same round trip where it can be (`IdentityService.authenticate`).
    private func authentication(of request: Request, budgeted: Bool) async throws -> IdentityService.Authentication? {
        if let authorization = request.headers[.authorization] {
            let parts = authorization.split(separator: " ", maxSplits: 1)
            // Other schemes are not ours to judge, as DRF's JWTAuthentication ignores them.
            if parts.first?.lowercased() == "bearer" {
                guard parts.count == 2 else { throw IdentityError.invalidToken }
                return try await identity.authenticate(accessToken: String(parts[1]), budgeted: budgeted, alongside: AuditChanges.keys)
            }
        }
        guard let session = request.cookies[SessionCookies.session]?.value else { return nil }
        let authentication: IdentityService.Authentication
        do {
            authentication = try await identity.authenticate(sessionToken: session, budgeted: budgeted, alongside: AuditChanges.keys)
        } catch is IdentityError {
            return nil  // an expired or unknown session cookie is simply no session, as in Django
        }
        if !Self.safeMethods.contains(request.method) {
            let header = request.headers[.csrfToken] ?? ""
            guard !header.isEmpty, header == request.cookies[SessionCookies.csrf]?.value,
                SecretToken.digest(header) == authentication.csrfDigest
            else {
                throw IdentityError.csrfFailed
            }
        }
        return authentication
    }

    static let safeMethods: Set<HTTPRequest.Method> = [.get, .head, .options, .trace]

    /// What a member of an organization that requires a second factor may reach without one: the
    /// account endpoints, their profile and password, the enrollment, and joining elsewhere.
    static func openWithoutSecondFactor(_ path: String) -> Bool {
        path.hasPrefix(apiPrefix + "auth/") || path.hasPrefix(apiPrefix + "users/me/") || path == apiPrefix + "invitations/accept/"
    }

    /// `scheme://host` as the client addressed us; the scheme from a trusted proxy's
    /// `X-Forwarded-Proto`, since TLS usually ends there.
    static func origin(of request: Request, trustedPeer: Bool) -> String {
        let scheme = trustedPeer ? (request.headers[.xForwardedProto] ?? "http") : "http"
        return "\(scheme)://\(request.head.authority ?? "localhost")"
    }
}

extension HTTPField.Name {
    static let xForwardedFor = Self("X-Forwarded-For")!
    static let xForwardedProto = Self("X-Forwarded-Proto")!
    static let csrfToken = Self("X-CSRFToken")!
}
