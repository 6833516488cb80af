import JWTKit

/// The claims of an access or refresh token: SimpleJWT's (`token_type`, `exp`, `iat`, `jti`,
/// `user_id`) plus the active organization and the login family the token belongs to.
public struct TokenClaims: JWTPayload, Equatable {
    public enum Kind: String, Codable, Sendable {
        case access
        case refresh
    }

    public var tokenType: Kind
    /// Expiry and issue time in seconds since 1970, as SimpleJWT writes them.
    public var exp: Int
    public var iat: Int
    public var jti: String
    public var userID: String
    public var organizationID: String?
    public var familyID: String

    enum CodingKeys: String, CodingKey {
        case tokenType = "token_type"
        case exp, iat, jti
        case userID = "user_id"
        case organizationID = "organization_id"
        case familyID = "family_id"
    }

    /// Time checks need the issuer's clock, so `TokenIssuer.verify` makes them.
    public func verify(using algorithm: some JWTAlgorithm) async throws {}
}
