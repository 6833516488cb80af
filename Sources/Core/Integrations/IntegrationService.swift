import Foundation
import Logging
import PostgresNIO

/// Connecting an organization to GitHub, and handing out its credential for calls. ADMIN only;
/// every connection and removal is audit-logged. Tokens are encrypted before they reach the
/// database and never leave this type except inside a `GitHubCredential`.
public struct IntegrationService: Sendable {
    let postgres: PostgresClient
    let github: GitHubClient
    let fernet: Fernet
    let settings: GitHubSettings
    let logger: Logger
    var table: IntegrationTable { IntegrationTable(logger: logger) }

    public init(postgres: PostgresClient, github: GitHubClient, fernet: Fernet, settings: GitHubSettings, logger: Logger) {
        self.postgres = postgres
        self.github = github
        self.fernet = fernet
        self.settings = settings
        self.logger = logger
    }

    /// `POST integrations/github/`: validates `token` against GitHub (`GET /user`, or the App
    /// installation's repositories, and the named organization) and stores it encrypted.
    public func connect(
        _ principal: Principal,
        token rawToken: String,
        baseURL rawBaseURL: String?,
        organization: String?,
        ip: String
    ) async throws -> Integration {
        let organizationID = try principal.organization()
        try principal.authorize(.manageIntegrations)
        let token = rawToken.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty, token.count <= 255, !token.contains(where: \.isWhitespace) else {
            throw IntegrationError.validation(["token": ["Enter a GitHub token."]])
        }
        let baseURL = try validatedBaseURL(rawBaseURL)
        let credential = GitHubCredential(baseURL: baseURL, token: token)
        let identity = try await identify(credential, organization: organization)
        return try await store(
            organizationID: organizationID,
            identity: identity,
            credential: credential,
            createdBy: principal.userID,
            ip: ip
        )
    }

    /// `GET integrations/`, oldest first. Every role reads them (members need one to start or read
    /// audits); only ADMINs connect, remove, and list what a credential can see.
    public func list(_ principal: Principal, page: PageRequest) async throws -> Page<Integration> {
        let organizationID = try principal.organization()
        try principal.authorize(.read)
        return try await postgres.withConnection { connection in
            try await table.page(organizationID: organizationID, page, on: connection)
        }
    }

    /// `DELETE integrations/{id}/`.
    public func remove(_ principal: Principal, id: UUID, ip: String) async throws {
        let organizationID = try principal.organization()
        try await postgres.transaction(logger: logger) { connection in
            let integration = try await find(id, in: organizationID, on: connection)
            try principal.authorize(.manageIntegrations)
            try await table.delete(id, on: connection)
            try await AuditLog.record(
                AuditEvent(
                    organizationID: organizationID,
                    actorID: principal.userID,
                    action: .integrationRemoved,
                    targetType: .integration,
                    targetID: id.apiString,
                    ip: ip,
                    metadata: ["account": integration.account, "base_url": integration.baseURL]
                ),
                on: connection,
                logger: logger
            )
        }
    }

    /// `GET integrations/{id}/repositories/`: what the credential can see, read from GitHub (all
    /// pages, revalidated by ETag) and paginated here.
    public func repositories(_ principal: Principal, id: UUID, page: PageRequest) async throws -> Page<Repository> {
        let organizationID = try principal.organization()
        guard let connected = try await credential(id, organizationID: organizationID) else { throw NotFound(.integration) }
        let (integration, credential) = connected
        try principal.authorize(.manageIntegrations)
        let items: [[String: Any]]
        do {
            switch integration.accountType {
            case .organization: items = try await github.getAll("/orgs/\(integration.account)/repos?type=all", credential: credential)
            case .installation: items = try await github.getAll("/installation/repositories", credential: credential, key: "repositories")
            case .user:
                items = try await github.getAll("/user/repos?affiliation=owner,collaborator,organization_member", credential: credential)
            }
        } catch {
            throw IntegrationError.upstream(error.description)
        }
        let repositories = items.compactMap(Repository.init).sorted { $0.fullName.lowercased() < $1.fullName.lowercased() }
        let slice = repositories.dropFirst(page.offset).prefix(page.limit)
        return Page(items: Array(slice), count: repositories.count, request: page)
    }

    /// The integration and its decrypted credential, for a call to GitHub; marks it used.
    /// `id == nil` picks the organization's default integration; nil when there is no such
    /// integration (never connected, or removed since).
    public func credential(_ id: UUID?, organizationID: UUID) async throws -> (Integration, GitHubCredential)? {
        let used = try await postgres.withConnection { connection in
            try await table.use(id, organizationID: organizationID, on: connection)
        }
        guard let used else { return nil }
        let (integration, ciphertext) = used
        let token = try fernet.decrypt(ciphertext)
        return (integration, GitHubCredential(baseURL: integration.baseURL, token: String(decoding: token, as: UTF8.self)))
    }

    /// `AuditAPI rotate-secrets`: re-encrypts every stored token under the first of `FERNET_KEYS`.
    /// Returns how many were re-encrypted and how many there are.
    public func rotateSecrets() async throws -> (rotated: Int, total: Int) {
        try await postgres.transaction(logger: logger) { connection in
            try await fernet.rotateStale(try await table.lockAllCiphertexts(on: connection)) { id, ciphertext in
                try await table.replaceCiphertext(of: id, with: ciphertext, on: connection)
            }
        }
    }

    // MARK: - Shared steps

    /// Who the credential acts for, as GitHub says, and the scopes it was granted.
    struct GitHubIdentity: Sendable {
        let account: String
        let accountType: Integration.AccountType
        let scopes: [String]
    }

    func identify(_ credential: GitHubCredential, organization: String?, grantedScopes: [String]? = nil) async throws -> GitHubIdentity {
        var account = ""
        var accountType = Integration.AccountType.user
        var scopes = grantedScopes ?? []
        do {
            if credential.tokenType == .appInstallation {
                // Installation tokens cannot read /user; their repository list proves them.
                let page = try await github.get("/installation/repositories?per_page=1", credential: credential)
                let first = ((page.json() as? [String: Any])?["repositories"] as? [[String: Any]])?.first
                account = (first?["owner"] as? [String: Any])?["login"] as? String ?? "installation"
                accountType = .installation
            } else {
                let user = try await github.get("/user", credential: credential)
                account = (user.json() as? [String: Any])?["login"] as? String ?? ""
                if grantedScopes == nil, let header = user.header("x-oauth-scopes") {
                    scopes = header.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                }
            }
        } catch {
            throw Self.refusal(error, field: "token", prefix: "GitHub rejected the token: ")
        }
        var named = organization?.trimmingCharacters(in: .whitespaces)
        if named?.isEmpty != false, accountType == .user {
            // A person's token audits an organization, not the person's own account, whenever it
            // can tell which one: auditing the user account would silently skip every
            // organization-level check.
            let memberships = try await organizations(of: credential)
            switch memberships.count {
            case 0: named = nil
            case 1: named = memberships[0]
            default:
                throw IntegrationError.validation(["organization": ["Choose one of: \(memberships.joined(separator: ", "))."]])
            }
        }
        if let organization = named, !organization.isEmpty {
            do {
                let org = try await github.get(CheckPaths.organization(organization), credential: credential)
                account = (org.json() as? [String: Any])?["login"] as? String ?? organization
                if accountType != .installation { accountType = .organization }
            } catch {
                throw Self.refusal(error, field: "organization", prefix: "GitHub: ")
            }
        }
        return GitHubIdentity(account: account, accountType: accountType, scopes: scopes)
    }

    /// The logins of the organizations the token's user is an active member of, sorted:
    /// `/user/memberships/orgs` (needs `read:org`), else `/user/orgs`; none when GitHub shows neither.
    func organizations(of credential: GitHubCredential) async throws -> [String] {
        func logins(_ items: [[String: Any]], _ login: ([String: Any]) -> String?) -> [String] {
            Array(Set(items.compactMap(login))).sorted { $0.lowercased() < $1.lowercased() }
        }
        do {
            let memberships = try await github.getAll("/user/memberships/orgs?state=active", credential: credential)
            return logins(memberships) { ($0["organization"] as? [String: Any])?["login"] as? String }
        } catch  where error.kind == .forbidden || error.kind == .notFound || error.kind == .ssoRequired {
            // Fine-grained tokens and tokens without read:org may not read memberships.
        } catch {
            throw Self.refusal(error, field: "token", prefix: "GitHub: ")
        }
        do {
            return logins(try await github.getAll("/user/orgs", credential: credential)) { $0["login"] as? String }
        } catch  where error.kind == .forbidden || error.kind == .notFound || error.kind == .ssoRequired {
            return []
        } catch {
            throw Self.refusal(error, field: "token", prefix: "GitHub: ")
        }
    }

    /// GitHub being down is not the customer's input error: 502 rather than 400. A host the outbound
    /// guard refused (its address, or a redirect elsewhere) is the base URL's fault.
    static func refusal(_ error: GitHubError, field: String, prefix: String) -> IntegrationError {
        switch error.kind {
        case .unavailable, .rateLimited, .secondaryRateLimited: .upstream(error.description)
        case .refused: .validation(["base_url": [error.message.prefix(1).uppercased() + error.message.dropFirst() + "."]])
        default: .validation([field: [prefix + error.message]])
        }
    }

    func store(
        organizationID: UUID,
        identity: GitHubIdentity,
        credential: GitHubCredential,
        createdBy: UUID?,
        ip: String
    ) async throws -> Integration {
        let ciphertext = try fernet.encrypt(Array(credential.token.utf8))
        return try await postgres.transaction(logger: logger) { connection in
            let created = try await table.insert(
                IntegrationTable.NewIntegration(
                    organizationID: organizationID,
                    account: identity.account,
                    accountType: identity.accountType,
                    baseURL: credential.baseURL,
                    tokenType: credential.tokenType,
                    scopes: identity.scopes,
                    tokenCiphertext: ciphertext,
                    createdBy: createdBy
                ),
                on: connection
            )
            try await AuditLog.record(
                AuditEvent(
                    organizationID: organizationID,
                    actorID: createdBy,
                    action: .integrationConnected,
                    targetType: .integration,
                    targetID: created.id.apiString,
                    ip: ip,
                    metadata: ["account": created.account, "token_type": created.tokenType.rawValue, "base_url": created.baseURL]
                ),
                on: connection,
                logger: logger
            )
            return created
        }
    }

    func find(_ id: UUID, in organizationID: UUID, on connection: PostgresConnection) async throws -> Integration {
        guard let integration = try await table.find(id, organizationID: organizationID, on: connection) else {
            throw NotFound(.integration)
        }
        return integration
    }

    func validatedBaseURL(_ raw: String?) throws -> String {
        guard let raw, !raw.trimmingCharacters(in: .whitespaces).isEmpty else { return settings.apiURL }
        switch GitHubBaseURL.normalized(raw, policy: settings.outboundPolicy) {
        case .success(let url): return url
        case .failure(let refusal): throw IntegrationError.validation(["base_url": [refusal.message]])
        }
    }
}
