import Crypto
import Foundation

/// GitHub's OAuth web flow with PKCE (S256). The state is random, single-use, bound to the user and
/// organization that started the flow, and expires after ten minutes; it lives in Redis so any API
/// replica can finish a flow another one started.
///
/// The state is also bound to the browser that started the flow, so that a victim lured to a
/// callback URL carrying an attacker's code and state (login CSRF) cannot connect the attacker's
/// GitHub account to the victim's organization, nor the other way round: the callback completes only
/// with the binding cookie set at `authorize` (HttpOnly, SameSite=Lax, scoped to the callback path),
/// or from the initiator's own browser session, or (a single-page app handling the redirect itself)
/// as a POST with the initiator's bearer login.
extension IntegrationService {
    public static let stateLifetime = 600
    /// Read access for the checks (classic OAuth apps have no finer read-only scopes).
    static let oauthScopes = "repo read:org admin:org read:repo_hook admin:org_hook security_events read:audit_log"

    struct OAuthState: Codable {
        let userID: UUID
        let organizationID: UUID
        let verifier: String
        let redirectURL: String
        /// SHA-256 of the browser-binding cookie value.
        let bindingDigest: String
        /// The initiator's login: its token family (bearer) or session digest.
        let familyID: UUID?
        let sessionHash: String?
        /// The GitHub organization to audit, when the initiator named one.
        let organization: String?
    }

    /// A started flow: where to send the browser, the state to expect back, and the value of the
    /// browser-binding cookie to set.
    public struct OAuthStart: Sendable {
        public let url: String
        public let state: String
        public let binding: String
    }

    /// How the callback reached the API.
    public enum OAuthCallback: Sendable {
        /// GitHub redirected the browser: `binding` is the cookie it carries, `caller` its session.
        case redirect(binding: String?, caller: Principal?)
        /// A single-page app posts the code itself with the initiator's bearer login.
        case post(caller: Principal?)
    }

    /// `POST integrations/github/authorize/`: where to send the browser, and the state to expect back.
    /// `organization` names the GitHub organization the integration audits; without it, the one the
    /// user belongs to (a user in several is asked to choose).
    public func beginOAuth(_ principal: Principal, organization: String? = nil, redirectURL: String, redis: RedisClient) async throws
        -> OAuthStart
    {
        let organizationID = try principal.organization()
        try principal.authorize(.manageIntegrations)
        guard let clientID = settings.clientID, settings.oauthConfigured else { throw IntegrationError.oauthNotConfigured }
        let state = SecretToken.generate()
        let binding = SecretToken.generate()
        let verifier = SecretToken.generate() + SecretToken.generate()  // 86 characters, within PKCE's 43-128
        let redirect = settings.redirectURL ?? redirectURL
        let (familyID, sessionHash): (UUID?, String?) =
            switch principal.credential {
            case .bearer(let family): (family, nil)
            case .session(let hash): (nil, hash)
            }
        let stored = OAuthState(
            userID: principal.userID,
            organizationID: organizationID,
            verifier: verifier,
            redirectURL: redirect,
            bindingDigest: SecretToken.digest(binding),
            familyID: familyID,
            sessionHash: sessionHash,
            organization: organization?.trimmingCharacters(in: .whitespaces)
        )
        try await redis.send(
            RedisCommand("SET", Self.stateKey(state), Array(try JSONEncoder().encode(stored)), "EX", Self.stateLifetime)
        )
        var components = URLComponents(string: settings.webURL + "/login/oauth/authorize")!
        components.queryItems = [
            URLQueryItem(name: "client_id", value: clientID),
            URLQueryItem(name: "redirect_uri", value: redirect),
            URLQueryItem(name: "scope", value: Self.oauthScopes),
            URLQueryItem(name: "state", value: state),
            URLQueryItem(name: "code_challenge", value: Base64URL.encode(SHA256.hash(data: Array(verifier.utf8)), padded: false)),
            URLQueryItem(name: "code_challenge_method", value: "S256"),
        ]
        return OAuthStart(url: components.string!, state: state, binding: binding)
    }

    /// `GET` (or `POST`) `integrations/github/callback/`: spends the state, checks that the callback
    /// comes from the browser (or app) that started the flow and that its initiator is still an
    /// ADMIN there, then exchanges the code and stores the integration. Any failed check is a 400
    /// before GitHub is asked: the code is never exchanged, nothing is stored.
    public func completeOAuth(
        code: String?,
        state: String?,
        via callback: OAuthCallback,
        identity: IdentityService,
        ip: String,
        redis: RedisClient
    ) async throws -> Integration {
        let invalidState = IntegrationError.validation(["state": ["This authorization request is invalid or has expired; start again."]])
        guard let state, !state.isEmpty else { throw invalidState }
        // GETDEL: the first callback with this state spends it, whatever happens next.
        guard let bytes = try await redis.send("GETDEL", Self.stateKey(state)).bytes,
            let stored = try? JSONDecoder().decode(OAuthState.self, from: Data(bytes))
        else { throw invalidState }
        guard Self.isInitiator(callback, of: stored) else {
            logger.warning("GitHub OAuth callback from another browser refused", metadata: ["user": "\(stored.userID)"])
            throw IntegrationError.validation([
                "state": ["This authorization was started in another browser or by another user; start again from this browser."]
            ])
        }
        guard try await identity.currentRole(of: stored.userID, in: stored.organizationID) == .admin else {
            throw IntegrationError.validation(["state": ["Only an ADMIN of the organization can finish connecting GitHub; start again."]])
        }
        guard let code, !code.isEmpty else { throw IntegrationError.validation(["code": ["GitHub did not send an authorization code."]]) }
        guard let clientID = settings.clientID, let clientSecret = settings.clientSecret else { throw IntegrationError.oauthNotConfigured }

        let answer: GitHubResponse
        do {
            answer = try await github.postForm(
                settings.webURL + "/login/oauth/access_token",
                fields: [
                    "client_id": clientID, "client_secret": clientSecret, "code": code,
                    "redirect_uri": stored.redirectURL, "code_verifier": stored.verifier,
                ]
            )
        } catch {
            throw IntegrationError.upstream(error.description)
        }
        let json = answer.json() as? [String: Any] ?? [:]
        guard answer.status == 200, let token = json["access_token"] as? String else {
            let reason = json["error_description"] as? String ?? json["error"] as? String ?? "HTTP \(answer.status)"
            throw IntegrationError.validation(["code": ["GitHub refused the authorization code: \(reason)"]])
        }
        let granted = (json["scope"] as? String ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter {
            !$0.isEmpty
        }
        let credential = GitHubCredential(baseURL: settings.apiURL, token: token)
        let identity = try await identify(credential, organization: stored.organization, grantedScopes: granted)
        return try await store(
            organizationID: stored.organizationID,
            identity: identity,
            credential: credential,
            createdBy: stored.userID,
            ip: ip
        )
    }

    static func stateKey(_ state: String) -> String { "github:oauth-state:" + SecretToken.digest(state) }

    /// Whether the callback carries the initiator's binding: the cookie, or the same login.
    static func isInitiator(_ callback: OAuthCallback, of stored: OAuthState) -> Bool {
        switch callback {
        case .redirect(let binding, let caller):
            if let caller, caller.userID != stored.userID || caller.organizationID != stored.organizationID { return false }
            if let binding, SecretToken.digest(binding) == stored.bindingDigest { return true }
            if case .session(let hash)? = caller?.credential, hash == stored.sessionHash { return true }
            return false
        case .post(let caller):
            guard let caller, caller.userID == stored.userID, caller.organizationID == stored.organizationID,
                case .bearer(let family) = caller.credential
            else { return false }
            return family == stored.familyID
        }
    }
}
