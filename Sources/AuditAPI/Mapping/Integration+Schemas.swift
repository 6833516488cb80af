import Core

extension Components.Schemas.Integration {
    init(_ integration: Core.Integration) {
        self.init(
            id: integration.id.apiString,
            provider: .github,
            account: integration.account,
            accountType: AccountTypePayload(rawValue: integration.accountType.rawValue) ?? .user,
            baseUrl: integration.baseURL,
            tokenType: TokenTypePayload(rawValue: integration.tokenType.rawValue) ?? .classicPat,
            scopes: integration.scopes,
            createdBy: integration.createdBy?.apiString,
            createdAt: integration.createdAt,
            lastUsedAt: integration.lastUsedAt
        )
    }
}

extension Components.Schemas.Repository {
    init(_ repository: Core.Repository) {
        self.init(
            id: repository.id,
            fullName: repository.fullName,
            _private: repository.isPrivate,
            visibility: repository.visibility,
            archived: repository.archived,
            defaultBranch: repository.defaultBranch,
            htmlUrl: repository.htmlURL
        )
    }
}
