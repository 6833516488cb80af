import Crypto
import Foundation

/// GitHub's OAuth web flow with PKCE (S256). The state is random, single-use, bound to the user and
/// organization that started the flow, and expires after ten minutes; it lives in Redis so any API
/// replica can finish a flow another one started.
extension IntegrationService {
    static let stateLifetime = 600
    /// Read access for the checks (classic OAuth apps have no finer read-only scopes).
    static let oauthScopes = "repo read:org admin:org read:repo_hook admin:org_hook security_events read:audit_log"

    struct OAuthState: Codable {
        let userID: UUID
        let organizationID: UUID
        let verifier: String
        let redirectURL: String
    }

    /// `POST integrations/github/authorize/`: where to send the browser, and the state to expect back.
    public func beginOAuth(_ principal: Principal, redirectURL: String, redis: RedisClient) async throws -> (url: String, state: String) {
        let organizationID = try principal.organization()
        try principal.authorize(.manageIntegrations)
        guard let clientID = settings.clientID, settings.oauthConfigured else { throw IntegrationError.oauthNotConfigured }
        let state = SecretToken.generate()
        let verifier = SecretToken.generate() + SecretToken.generate()  // 86 characters, within PKCE's 43-128
        let redirect = settings.redirectURL ?? redirectURL
        let stored = OAuthState(userID: principal.userID, organizationID: organizationID, verifier: verifier, redirectURL: redirect)
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
        return (components.string!, state)
    }

    /// `GET integrations/github/callback/`: spends the state, exchanges the code and stores the
    /// integration. A missing, reused, expired or foreign state is refused before GitHub is asked.
    public func completeOAuth(code: String?, state: String?, caller: Principal?, ip: String, redis: RedisClient) async throws -> Integration
    {
        let invalidState = IntegrationError.validation(["state": ["This authorization request is invalid or has expired; start again."]])
        guard let state, !state.isEmpty else { throw invalidState }
        // GETDEL: the first callback with this state spends it, whatever happens next.
        guard let bytes = try await redis.send("GETDEL", Self.stateKey(state)).bytes,
            let stored = try? JSONDecoder().decode(OAuthState.self, from: Data(bytes))
        else { throw invalidState }
        if let caller, caller.userID != stored.userID || caller.organizationID != stored.organizationID {
            throw invalidState
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
        let identity = try await identify(credential, organization: nil, grantedScopes: granted)
        return try await store(
            organizationID: stored.organizationID,
            identity: identity,
            credential: credential,
            createdBy: stored.userID,
            ip: ip
        )
    }

    static func stateKey(_ state: String) -> String { "github:oauth-state:" + SecretToken.digest(state) }
}
