import Foundation
import JWTKit
import Synchronization

/// Signs and verifies HS256 JSON Web Tokens compatible with SimpleJWT.
public struct TokenIssuer: Sendable {
    /// The signing key first, then the verify-only ones. One collection per key: SimpleJWT's tokens
    /// carry no `kid`, so each key is tried in turn rather than picked by the header.
    private let keys: [JWTKeyCollection]
    let accessLifetime: Duration
    let refreshLifetime: Duration
    /// Tokens this process has verified, by their exact text (signature included): the same access
    /// token arrives with every request of a login, and checking its header, signature and claims
    /// again each time was a tenth of the cached audit list's CPU. Expiry and kind are still checked
    /// on every use; the verifying keys only change with a restart, which empties this.
    private let verified = VerifiedTokens()

    public init(signingKey: String, verifyingKeys: [String] = [], accessLifetime: Duration, refreshLifetime: Duration) async {
        var keys: [JWTKeyCollection] = []
        for key in [signingKey] + verifyingKeys {
            keys.append(await JWTKeyCollection().add(hmac: HMACKey(from: key), digestAlgorithm: .sha256))
        }
        self.keys = keys
        self.accessLifetime = accessLifetime
        self.refreshLifetime = refreshLifetime
    }

    /// A signed token of `kind` for the user and organization, in `family`, valid from `now`.
    public func issue(
        _ kind: TokenClaims.Kind,
        userID: UUID,
        organizationID: UUID?,
        familyID: UUID,
        now: Date = .now
    ) async throws -> (token: String, claims: TokenClaims) {
        let issuedAt = Int(now.timeIntervalSince1970)
        let lifetime = kind == .access ? accessLifetime : refreshLifetime
        let claims = TokenClaims(
            tokenType: kind,
            exp: issuedAt + Int(lifetime.components.seconds),
            iat: issuedAt,
            jti: UUID().apiString.replacingOccurrences(of: "-", with: ""),
            userID: userID.apiString,
            organizationID: organizationID?.apiString,
            familyID: familyID.apiString
        )
        return (try await keys[0].sign(claims), claims)
    }

    /// The claims of a valid, unexpired token of `kind` (either kind when nil). Anything else,
    /// including tokens with an algorithm other than HS256 (`none` among them), is
    /// `IdentityError.invalidToken`.
    public func verify(_ token: String, as kind: TokenClaims.Kind?, now: Date = .now) async throws(IdentityError) -> TokenClaims {
        var claims = verified.claims(of: token)
        if claims == nil {
            guard Self.headerAlgorithm(of: token) == "HS256" else { throw .invalidToken }
            for collection in keys where claims == nil {
                claims = try? await collection.verify(token, as: TokenClaims.self)
            }
            if let claims { verified.remember(token, claims) }
        }
        guard let claims, kind == nil || claims.tokenType == kind, claims.exp > Int(now.timeIntervalSince1970) else {
            throw .invalidToken
        }
        return claims
    }

    /// The `alg` of the token's header. jwt-kit verifies with the key it holds whatever the header
    /// says, so the header is checked here to refuse algorithm substitution outright.
    static func headerAlgorithm(of token: String) -> String? {
        guard let header = token.split(separator: ".", omittingEmptySubsequences: false).first,
            let bytes = Base64URL.decode(header),
            let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any]
        else { return nil }
        return object["alg"] as? String
    }
}

/// The claims of tokens whose signature was checked, bounded: when full, it starts over.
private final class VerifiedTokens: Sendable {
    static let capacity = 20_000
    private let claims = Mutex<[String: TokenClaims]>([:])

    func claims(of token: String) -> TokenClaims? {
        claims.withLock { $0[token] }
    }

    func remember(_ token: String, _ verified: TokenClaims) {
        claims.withLock { claims in
            if claims.count >= Self.capacity { claims.removeAll(keepingCapacity: true) }
            claims[token] = verified
        }
    }
}
