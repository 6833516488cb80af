import Foundation

/// Validates a tenant-supplied GitHub API base URL (GitHub Enterprise Server's `https://HOST/api/v3`).
/// The server calls it with the customer's token, so it must not be turned against internal
/// services (SSRF): the outbound guard's rules apply here first, so that a bad URL is a 400 naming
/// `base_url` before anything is stored, and again at every connection (DNS may change meanwhile).
enum GitHubBaseURL {
    static let example = "Enter the https URL of a GitHub API, e.g. https://api.github.com or https://github.example.com/api/v3."

    /// The URL without a trailing slash, or the sentence saying why it is refused.
    static func normalized(_ raw: String, policy: OutboundPolicy) -> Result<String, Refusal> {
        let trimmed = raw.trimmingCharacters(in: .whitespaces)
        guard let components = URLComponents(string: trimmed), components.scheme != nil, components.host != nil else {
            return .failure(Refusal(message: example))
        }
        guard components.query == nil, components.fragment == nil else {
            return .failure(Refusal(message: "Remove the query and fragment: " + example))
        }
        do {
            _ = try OutboundURL(checking: trimmed, policy: policy)
        } catch .notHTTP {
            return .failure(Refusal(message: example))
        } catch {
            return .failure(Refusal(message: error.description))
        }
        return .success(trimmed.hasSuffix("/") ? String(trimmed.dropLast()) : trimmed)
    }

    struct Refusal: Error {
        let message: String
    }
}
