import Foundation

/// Validates a user-supplied GitHub API base URL. The server calls it with the customer's token,
/// so it must not be turned against internal services (SSRF): https only, and no loopback,
/// private or link-local addresses, except in development where the test servers live on loopback.
enum GitHubBaseURL {
    static func normalized(_ raw: String, allowPrivate: Bool) -> String? {
        let trimmed = raw.trimmingCharacters(in: .whitespaces)
        guard let components = URLComponents(string: trimmed), let scheme = components.scheme?.lowercased(),
            let host = components.host?.lowercased(), !host.isEmpty,
            components.query == nil, components.fragment == nil, components.user == nil
        else { return nil }
        guard scheme == "https" || (allowPrivate && scheme == "http") else { return nil }
        if !allowPrivate && isInternal(host) { return nil }
        return trimmed.hasSuffix("/") ? String(trimmed.dropLast()) : trimmed
    }

    static let internalRanges = [
        "127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16", "100.64.0.0/10",
        "0.0.0.0/8", "::1/128", "fc00::/7", "fe80::/10",
    ].compactMap(IPAddressRange.init)

    static func isInternal(_ host: String) -> Bool {
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        if bare == "localhost" || bare.hasSuffix(".localhost") || bare.hasSuffix(".internal") { return true }
        return internalRanges.contains { $0.contains(bare) }
    }
}
