import Crypto
import Foundation
import JWTKit
import Logging

/// AuditMate as a GitHub App: the App's own JWT, its installations, and the installation tokens
/// every scan of an App integration uses (issue 17).
///
/// Installation tokens live one hour. Each is kept in Redis, Fernet-encrypted, until five minutes
/// before its `expires_at`, so every process of every replica shares it and none is ever written
/// to PostgreSQL or a log; after that the next caller mints a new one. A scan that GitHub answers
/// 401 calls `forget` and asks once more.
public struct GitHubApp: Sendable {
    /// What `GET /app/installations/{id}` says about an installation.
    public struct Installation: Sendable, Equatable, Decodable {
        public struct Account: Sendable, Equatable, Decodable {
            public let login: String
            public let type: String
        }

        public let id: Int
        public let account: Account
        public let repositorySelection: String
        public let permissions: [String: String]
        public let suspendedAt: String?

        enum CodingKeys: String, CodingKey {
            case id, account, permissions
            case repositorySelection = "repository_selection"
            case suspendedAt = "suspended_at"
        }
    }

    /// The App JWT's claims, as GitHub asks for them: `iss` the App id, `iat` and `exp` in seconds.
    struct Claims: JWTPayload, Equatable {
        let iss: String
        let iat: Int
        let exp: Int

        /// GitHub checks the times; the App only writes them.
        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    /// GitHub refuses an App JWT whose `exp` is more than ten minutes ahead; nine leave room for a
    /// clock that runs a little fast here.
    static let jwtLifetime: TimeInterval = 9 * 60
    /// `iat` in the past, as GitHub recommends against clock drift.
    static let jwtBackdating: TimeInterval = 60
    /// A kept installation token is used until this long before it expires.
    static let tokenMargin: TimeInterval = 5 * 60
    /// How long GitHub says an installation token lives; a longer `expires_at` is not believed.
    static let tokenLifetime: TimeInterval = 60 * 60

    let settings: GitHubAppSettings
    let apiURL: String
    let client: GitHubClient
    let redis: RedisClient
    let fernet: Fernet
    let logger: Logger
    private let keys: JWTKeyCollection

    public init(settings: GitHubAppSettings, apiURL: String, client: GitHubClient, redis: RedisClient, fernet: Fernet, logger: Logger) async
    {
        self.settings = settings
        self.apiURL = apiURL
        self.client = client
        self.redis = redis
        self.fernet = fernet
        self.logger = logger
        self.keys = await JWTKeyCollection().add(rsa: settings.privateKey, digestAlgorithm: .sha256)
    }

    /// The App's own credential: an RS256 JWT that GitHub accepts on `/app/...` endpoints only.
    public func jwt(now: Date = .now) async throws -> String {
        let issued = Int(now.timeIntervalSince1970 - Self.jwtBackdating)
        let claims = Claims(iss: settings.appID, iat: issued, exp: Int(now.timeIntervalSince1970 + Self.jwtLifetime))
        return try await keys.sign(claims)
    }

    /// The installation as GitHub describes it, asked with the App's JWT.
    public func installation(_ id: Int) async throws -> Installation {
        let credential = GitHubCredential(baseURL: apiURL, token: try await jwt())
        let response = try await client.get("/app/installations/\(id)", credential: credential)
        do {
            return try response.decode(Installation.self)
        } catch {
            throw GitHubError(
                .unavailable,
                message: "GitHub's description of installation \(id) could not be read",
                response: response,
                retryable: false
            )
        }
    }

    /// A token for the installation, kept or freshly minted.
    public func token(installation id: Int, now: Date = .now) async throws -> GitHubCredential {
        if let kept = await kept(installation: id, now: now) { return GitHubCredential(baseURL: apiURL, token: kept) }
        let minted = try await mint(installation: id)
        // From when it is stored (minting takes a moment), or from `now` if that is later.
        // At most GitHub's documented hour: `expires_at` comes from the host, which may be anyone's.
        let keepFor = min(minted.expiresAt.timeIntervalSince(max(now, .now)), Self.tokenLifetime) - Self.tokenMargin
        if keepFor >= 1 {
            do {
                let sealed = try fernet.encrypt(Array(minted.token.utf8), now: now)
                let value = "\(Int(minted.expiresAt.timeIntervalSince1970)) \(sealed)"
                try await redis.send("SET", key(id), value, "PX", Int(keepFor * 1000))
            } catch {
                // Without Redis every caller mints its own token: slower, still correct.
                logger.warning("could not keep an installation token", metadata: ["installation": "\(id)", "error": "\(error)"])
            }
        }
        return GitHubCredential(baseURL: apiURL, token: minted.token)
    }

    /// Drops the kept token, after GitHub refused it (revoked, or the installation's permissions
    /// changed): the next `token` mints a new one.
    public func forget(installation id: Int) async {
        _ = try? await redis.send("DEL", key(id))
    }

    /// Installation ids are unique per GitHub host, not across hosts (github.com and an Enterprise
    /// Server may both have an installation 42), so the key names the host and the App too.
    func key(_ installation: Int) -> String {
        let app = Hex.encode(SHA256.hash(data: Array("\(apiURL) \(settings.appID)".utf8))).prefix(16)
        return "github:app-token:\(app):\(installation)"
    }

    /// The kept token while it has more than `tokenMargin` left; nil when there is none, Redis
    /// does not answer, or the value cannot be opened (a rotated-away Fernet key).
    private func kept(installation id: Int, now: Date) async -> String? {
        guard let value = try? await redis.send("GET", key(id)).string else { return nil }
        let parts = value.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, let expires = TimeInterval(parts[0]), expires - now.timeIntervalSince1970 > Self.tokenMargin,
            let token = try? fernet.decrypt(String(parts[1]))
        else { return nil }
        return String(decoding: token, as: UTF8.self)
    }

    private struct Minted: Decodable {
        let token: String
        let expiresAt: Date

        enum CodingKeys: String, CodingKey {
            case token
            case expiresAt = "expires_at"
        }
    }

    /// `POST /app/installations/{id}/access_tokens` with the App's JWT.
    private func mint(installation id: Int) async throws -> Minted {
        let credential = GitHubCredential(baseURL: apiURL, token: try await jwt())
        let response = try await client.post("/app/installations/\(id)/access_tokens", credential: credential)
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        guard let minted = try? decoder.decode(Minted.self, from: Data(response.body)), minted.token.hasPrefix("ghs_") else {
            throw GitHubError(
                .unavailable,
                message: "GitHub's installation token answer could not be read",
                response: response,
                retryable: false
            )
        }
        return minted
    }
}
