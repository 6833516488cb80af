import Foundation

/// A GitHub failure, classified: the compliance checks decide PASS / FAIL / ERROR / NOT_APPLICABLE
/// from the kind, so it is taken from status codes, headers and GitHub's documented messages.
public struct GitHubError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// 401: the credential is wrong, revoked or expired.
        case unauthorized
        /// Plain 404 "Not Found": missing, or hidden from this credential.
        case notFound
        /// The credential lacks a permission or scope (`acceptedPermissions` says which).
        case forbidden
        /// GitHub says the feature is off: 404 "Branch not protected", "Vulnerability alerts are disabled." ...
        case featureDisabled
        /// The plan does not include it: "Upgrade to GitHub Pro ...", "Advanced Security must be enabled ...".
        case planRestricted
        /// The credential is not authorized for the organization's SAML SSO (`X-GitHub-SSO: required`).
        case ssoRequired
        /// The primary rate limit is (nearly) spent; come back at `retryAt`.
        case rateLimited
        /// A secondary rate limit persisted through the waits.
        case secondaryRateLimited
        /// 422: GitHub refused the request as asked (e.g. "Only owners can use this filter.").
        case unprocessable
        /// 5xx or no answer, after retries.
        case unavailable
        /// The base URL is not acceptable.
        case invalidBaseURL
        /// The outbound guard refused the call: the host's address is not allowed, or a redirect or
        /// a next-page link left the base URL.
        case refused
        /// The answer (or the listing) is larger than this server reads.
        case tooLarge
    }

    public let kind: Kind
    public let message: String
    /// The answer that caused it, for evidence (nil when GitHub was not reached).
    public let response: GitHubResponse?
    /// When the limit resets, for `rateLimited`.
    public let retryAt: Date?
    /// Whether asking again at once may help: an unreachable host may answer the next time, a
    /// failed TLS handshake will fail the same way.
    let retryable: Bool

    public init(_ kind: Kind, message: String, response: GitHubResponse? = nil, retryAt: Date? = nil) {
        self.init(kind, message: message, response: response, retryAt: retryAt, retryable: kind == .unavailable)
    }

    init(_ kind: Kind, message: String, response: GitHubResponse? = nil, retryAt: Date? = nil, retryable: Bool) {
        self.kind = kind
        self.message = message
        self.response = response
        self.retryAt = retryAt
        self.retryable = retryable
    }

    /// GitHub's hint of what the credential would need, from `x-accepted-github-permissions`
    /// (Apps, fine-grained tokens) or `x-accepted-oauth-scopes` (classic tokens).
    public var acceptedPermissions: String? {
        response?.header("x-accepted-github-permissions") ?? response?.header("x-accepted-oauth-scopes")
    }

    public var description: String {
        var text = "GitHub \(kind): \(message)"
        if let acceptedPermissions, !acceptedPermissions.isEmpty { text += " (needs \(acceptedPermissions))" }
        if let retryAt { text += " (retry at \(retryAt.formatted(.iso8601)))" }
        return text
    }

    static let disabledMessages = [
        "branch not protected", "vulnerability alerts are disabled", "dependabot alerts are disabled",
        "secret scanning is disabled", "no analysis found", "code scanning is not enabled",
    ]
    static let planMessages = ["upgrade to github pro", "advanced security must be enabled", "upgrade to github team"]

    /// The classification of a non-2xx answer that is not a rate limit.
    static func classify(_ response: GitHubResponse) -> GitHubError {
        let message = response.message ?? "HTTP \(response.status)"
        let lowered = message.lowercased()
        switch response.status {
        case 401:
            return GitHubError(.unauthorized, message: message, response: response)
        case 403, 404:
            if let sso = response.header("x-github-sso"), sso.hasPrefix("required") {
                return GitHubError(.ssoRequired, message: "Token not authorized for SAML SSO: \(sso)", response: response)
            }
            if planMessages.contains(where: lowered.contains) {
                return GitHubError(.planRestricted, message: message, response: response)
            }
            if disabledMessages.contains(where: lowered.contains) {
                return GitHubError(.featureDisabled, message: message, response: response)
            }
            return GitHubError(response.status == 404 ? .notFound : .forbidden, message: message, response: response)
        case 422:
            return GitHubError(.unprocessable, message: message, response: response)
        default:
            return GitHubError(.unavailable, message: message, response: response)
        }
    }
}
