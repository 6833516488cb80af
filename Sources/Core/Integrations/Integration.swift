import Foundation

/// A stored connection to GitHub. It never holds the token: that stays encrypted in the database
/// until `IntegrationService.credential(...)` decrypts it for a call.
public struct Integration: Equatable, Sendable {
    public let id: UUID
    public let organizationID: UUID
    public let provider: String
    public let account: String
    public let accountType: String
    public let baseURL: String
    public let tokenType: String
    public let scopes: [String]
    public let createdBy: UUID?
    public let createdAt: Date
    public let lastUsedAt: Date?

    typealias Row = (UUID, UUID, String, String, String, String, String, [String], UUID?, Date, Date?)

    init(_ row: Row) {
        self.init(
            id: row.0,
            organizationID: row.1,
            provider: row.2,
            account: row.3,
            accountType: row.4,
            baseURL: row.5,
            tokenType: row.6,
            scopes: row.7,
            createdBy: row.8,
            createdAt: row.9,
            lastUsedAt: row.10
        )
    }

    init(
        id: UUID,
        organizationID: UUID,
        provider: String,
        account: String,
        accountType: String,
        baseURL: String,
        tokenType: String,
        scopes: [String],
        createdBy: UUID?,
        createdAt: Date,
        lastUsedAt: Date?
    ) {
        self.id = id
        self.organizationID = organizationID
        self.provider = provider
        self.account = account
        self.accountType = accountType
        self.baseURL = baseURL
        self.tokenType = tokenType
        self.scopes = scopes
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
    }
}

/// A repository as `integrations/{id}/repositories/` lists it.
public struct Repository: Equatable, Sendable {
    public let id: Int
    public let fullName: String
    public let isPrivate: Bool
    public let visibility: String
    public let archived: Bool
    public let defaultBranch: String
    public let htmlURL: String

    init?(_ json: [String: Any]) {
        guard let id = json["id"] as? Int, let fullName = json["full_name"] as? String else { return nil }
        self.id = id
        self.fullName = fullName
        self.isPrivate = json["private"] as? Bool ?? false
        self.visibility = json["visibility"] as? String ?? (isPrivate ? "private" : "public")
        self.archived = json["archived"] as? Bool ?? false
        self.defaultBranch = json["default_branch"] as? String ?? "main"
        self.htmlURL = json["html_url"] as? String ?? ""
    }
}

/// Why an integration operation was refused, beyond the identity errors (401/403/404).
public enum IntegrationError: Error, Equatable, Sendable {
    /// Field errors, e.g. `["token": ["GitHub rejected the token: Bad credentials"]]`.
    case validation([String: [String]])
    /// GitHub could not be reached or failed; the message says how (502).
    case upstream(String)
    /// The GitHub OAuth app is not configured on this server (503).
    case oauthNotConfigured
}
