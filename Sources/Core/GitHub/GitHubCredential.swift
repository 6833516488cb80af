import Crypto

/// A token and the GitHub it belongs to. The token is only ever held in memory; logs, errors and
/// cache keys use `fingerprint`.
public struct GitHubCredential: Sendable, CustomStringConvertible {
    /// REST base without trailing slash: `https://api.github.com` or `https://HOST/api/v3`.
    public let baseURL: String
    let token: String
    /// A stable, non-reversible name for the token (per base URL).
    public let fingerprint: String

    public init(baseURL: String, token: String) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.token = token
        self.fingerprint = String(Hex.encode(SHA256.hash(data: Array("\(self.baseURL) \(token)".utf8))).prefix(32))
    }

    /// Never the token.
    public var description: String { "GitHubCredential(\(baseURL), \(fingerprint))" }

    /// The kinds of GitHub token, by their documented prefixes.
    public enum TokenType: String, Sendable {
        case classicPAT = "classic_pat"
        case fineGrainedPAT = "fine_grained_pat"
        case appInstallation = "app_installation"
        case oauth
        case appUser = "app_user"
    }

    /// What the token's prefix says it is (GitHub's documented prefixes); older GHES tokens are
    /// 40 hex characters, so anything else is `classic`.
    public var tokenType: TokenType {
        if token.hasPrefix("github_pat_") { return .fineGrainedPAT }
        if token.hasPrefix("ghs_") { return .appInstallation }
        if token.hasPrefix("gho_") { return .oauth }
        if token.hasPrefix("ghu_") { return .appUser }
        return .classicPAT
    }
}
