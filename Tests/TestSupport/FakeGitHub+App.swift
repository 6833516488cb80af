import Foundation
import HTTPTypes
import Hummingbird
import JWTKit
import NIOCore

/// The GitHub App endpoints, as documented: `/app/...` accepts only the App's RS256 JWT (verified
/// with the public key of the key pair the test generated; `iss` must be the App id, `exp` at most
/// ten minutes ahead), installations are described by `GET /app/installations/{id}`, and
/// `POST /app/installations/{id}/access_tokens` issues `ghs_` tokens with an `expires_at`, which
/// then work on the rest of the API as installation tokens. A test can expire them early.
extension FakeGitHub {
    public struct RegisteredApp: Sendable {
        public struct Installation: Sendable {
            public var account: String
            public var accountType: String
            public var repositorySelection: String
            public var permissions: [String: String]
            public var suspended: Bool

            public init(
                account: String,
                accountType: String = "Organization",
                repositorySelection: String = "all",
                permissions: [String: String] = ["administration": "read", "members": "read", "metadata": "read"],
                suspended: Bool = false
            ) {
                self.account = account
                self.accountType = accountType
                self.repositorySelection = repositorySelection
                self.permissions = permissions
                self.suspended = suspended
            }
        }

        public var id: String
        public var publicKeyPEM: String
        public var installations: [Int: Installation]
        /// How long a minted token lives, as GitHub says in `expires_at` (an hour on github.com).
        public var tokenLifetime: TimeInterval
        /// Every token minted, in order, with the installation it is for.
        public var minted: [(installation: Int, token: String)] = []

        public init(id: String, publicKeyPEM: String, installations: [Int: Installation] = [:], tokenLifetime: TimeInterval = 3600) {
            self.id = id
            self.publicKeyPEM = publicKeyPEM
            self.installations = installations
            self.tokenLifetime = tokenLifetime
        }
    }

    struct AppClaims: JWTPayload {
        let iss: String
        let iat: Int
        let exp: Int
        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    /// Makes every installation token minted so far invalid, as if its hour had passed.
    public func expireInstallationTokens() {
        configure { world in
            for (_, token) in world.app?.minted ?? [] { world.grants[token] = nil }
        }
    }

    /// The tokens minted so far.
    public var mintedTokens: [(installation: Int, token: String)] { world.withLock { $0.app?.minted ?? [] } }

    func appAPI(_ request: Request, path: String) async -> Response {
        guard let app = world.withLock({ $0.app }) else { return Self.error(404, "Not Found") }
        let authorization = request.headers[.authorization] ?? ""
        let jwt = authorization.hasPrefix("Bearer ") ? String(authorization.dropFirst("Bearer ".count)) : ""
        let now = Int(Date.now.timeIntervalSince1970)
        do {
            let keys = await JWTKeyCollection().add(rsa: try Insecure.RSA.PublicKey(pem: app.publicKeyPEM), digestAlgorithm: .sha256)
            let claims = try await keys.verify(jwt, as: AppClaims.self)
            guard claims.iss == app.id else { return Self.error(401, "'Issuer' claim ('iss') must be an Integer") }
            guard claims.exp > now, claims.exp - now <= 600, claims.iat <= now + 1 else {
                return Self.error(401, "'Expiration time' claim ('exp') is too far in the future")
            }
        } catch {
            return Self.error(401, "A JSON web token could not be decoded")
        }

        let segments = path.split(separator: "/").map(String.init)
        guard segments.count >= 3, segments[1] == "installations", let id = Int(segments[2]) else { return Self.error(404, "Not Found") }
        guard let installation = app.installations[id] else { return Self.error(404, "Not Found") }
        if segments.count == 3 && request.method == .get {
            return Self.json(Self.describe(installation, id: id))
        }
        if segments.count == 4 && segments[3] == "access_tokens" && request.method == .post {
            if installation.suspended { return Self.error(403, "This installation has been suspended") }
            let token = "ghs_" + UUID().uuidString.replacingOccurrences(of: "-", with: "")
            let expires = Date.now.addingTimeInterval(app.tokenLifetime).formatted(.iso8601)
            configure { world in
                world.app?.minted.append((id, token))
                world.grants[token] = World.Grant(login: installation.account, scopes: [], installation: true)
            }
            var response = Self.json(
                #"{"token":"\#(token)","expires_at":"\#(expires)","repository_selection":"\#(installation.repositorySelection)"}"#
            )
            response.status = .created
            return response
        }
        return Self.error(404, "Not Found")
    }

    static func describe(_ installation: RegisteredApp.Installation, id: Int) -> String {
        let object: [String: Any] = [
            "id": id,
            "account": ["login": installation.account, "type": installation.accountType, "id": 9000 + id],
            "repository_selection": installation.repositorySelection,
            "permissions": installation.permissions,
            "events": ["branch_protection_rule", "repository", "member"],
            "suspended_at": installation.suspended ? Date.now.formatted(.iso8601) as Any : NSNull(),
        ]
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }
}
