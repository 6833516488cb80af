import Foundation
import JWTKit

/// Signs and verifies HS256 JSON Web Tokens compatible with SimpleJWT.
public struct TokenIssuer: Sendable {
    /// The signing key first, then the verify-only ones. One collection per key: SimpleJWT's tokens
    /// carry no `kid`, so each key is tried in turn rather than picked by the header.
    private let keys: [JWTKeyCollection]
    let accessLifetime: Duration
    let refreshLifetime: Duration

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
        guard Self.headerAlgorithm(of: token) == "HS256" else { throw .invalidToken }
        var verified: TokenClaims?
        for collection in keys where verified == nil {
            verified = try? await collection.verify(token, as: TokenClaims.self)
        }
        guard let claims = verified, kind == nil || claims.tokenType == kind, claims.exp > Int(now.timeIntervalSince1970) else {
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
