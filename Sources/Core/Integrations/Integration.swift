import Foundation
import PostgresNIO

/// A stored connection to GitHub. It never holds the token: that stays encrypted in the database
/// until `IntegrationService.credential(...)` decrypts it for a call.
public struct Integration: Equatable, Sendable, TableRow {
    /// Whom the credential audits, as GitHub named it when the integration was connected (the
    /// `account_type` CHECK constraint lists the same three).
    public enum AccountType: String, Sendable {
        case organization = "Organization"
        case user = "User"
        case installation = "Installation"
    }

    public let id: UUID
    public let organizationID: UUID
    public let provider: String
    public let account: String
    public let accountType: AccountType
    public let baseURL: String
    public let tokenType: GitHubCredential.TokenType
    public let scopes: [String]
    public let createdBy: UUID?
    public let createdAt: Date
    public let lastUsedAt: Date?

    init(
        id: UUID,
        organizationID: UUID,
        provider: String,
        account: String,
        accountType: AccountType,
        baseURL: String,
        tokenType: GitHubCredential.TokenType,
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

    /// One row selected with `IntegrationTable.columns`.
    init(_ columns: PostgresRandomAccessRow) throws {
        self.init(
            id: try columns["id"].decode(UUID.self),
            organizationID: try columns["organization_id"].decode(UUID.self),
            provider: try columns["provider"].decode(String.self),
            account: try columns["account"].decode(String.self),
            accountType: AccountType(rawValue: try columns["account_type"].decode(String.self)) ?? .user,
            baseURL: try columns["base_url"].decode(String.self),
            tokenType: GitHubCredential.TokenType(rawValue: try columns["token_type"].decode(String.self)) ?? .classicPAT,
            scopes: try columns["scopes"].decode([String].self),
            createdBy: try columns["created_by"].decode(UUID?.self),
            createdAt: try columns["created_at"].decode(Date.self),
            lastUsedAt: try columns["last_used_at"].decode(Date?.self)
        )
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
