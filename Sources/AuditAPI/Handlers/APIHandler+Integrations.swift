import Core
import Foundation

/// Tag `integrations`: GitHub connections.
extension APIHandler {
    func authorizeGitHub(_ input: Operations.AuthorizeGitHub.Input) async throws -> Operations.AuthorizeGitHub.Output {
        let principal = try scope.authenticated()
        var organization: String?
        if case .json(let body)? = input.body { organization = body.organization }
        let started = try await integrations.beginOAuth(
            principal,
            organization: organization,
            redirectURL: scope.baseURL + OAuthBindingCookie.path,
            redis: infrastructure.redis
        )
        scope.responseHeaders.setCookie(OAuthBindingCookie.set(started.binding, secure: secureCookies))
        return .ok(.init(body: .json(.init(authorizeUrl: started.url, state: started.state))))
    }

    func completeGitHubAuthorization(
        _ input: Operations.CompleteGitHubAuthorization.Input
    ) async throws -> Operations.CompleteGitHubAuthorization.Output {
        // Spent either way: the state is single-use.
        scope.responseHeaders.setCookie(OAuthBindingCookie.clear(secure: secureCookies))
        let integration = try await integrations.completeOAuth(
            code: input.query.code,
            state: input.query.state,
            via: .redirect(binding: scope.cookies[OAuthBindingCookie.name], caller: scope.principal),
            identity: identity,
            ip: scope.clientIP,
            redis: infrastructure.redis
        )
        return .created(.init(body: .json(.init(integration))))
    }

    func completeGitHubAuthorizationFromApp(
        _ input: Operations.CompleteGitHubAuthorizationFromApp.Input
    ) async throws -> Operations.CompleteGitHubAuthorizationFromApp.Output {
        let principal = try scope.authenticated()
        guard case .json(let body) = input.body else { throw APIError.malformed }
        let integration = try await integrations.completeOAuth(
            code: body.code,
            state: body.state,
            via: .post(caller: principal),
            identity: identity,
            ip: scope.clientIP,
            redis: infrastructure.redis
        )
        return .created(.init(body: .json(.init(integration))))
    }

    func connectGitHub(_ input: Operations.ConnectGitHub.Input) async throws -> Operations.ConnectGitHub.Output {
        let principal = try scope.authenticated()
        guard case .json(let body) = input.body else { throw APIError.malformed }
        let integration = try await integrations.connect(
            principal,
            token: body.token,
            baseURL: body.baseUrl,
            organization: body.organization,
            ip: scope.clientIP
        )
        return .created(.init(body: .json(.init(integration))))
    }

    func listIntegrations(_ input: Operations.ListIntegrations.Input) async throws -> Operations.ListIntegrations.Output {
        let principal = try scope.authenticated()
        let page = try await integrations.list(principal, page: try Pagination.request(input.query.page))
        let links = try Pagination.links(page)
        return .ok(
            .init(body: .json(.init(count: page.count, next: links.next, previous: links.previous, results: page.items.map { .init($0) })))
        )
    }

    func removeIntegration(_ input: Operations.RemoveIntegration.Input) async throws -> Operations.RemoveIntegration.Output {
        let principal = try scope.authenticated()
        try await integrations.remove(principal, id: try UUID(pathParameter: input.path.id), ip: scope.clientIP)
        return .noContent(.init())
    }

    func listIntegrationRepositories(
        _ input: Operations.ListIntegrationRepositories.Input
    ) async throws -> Operations.ListIntegrationRepositories.Output {
        let principal = try scope.authenticated()
        let page = try await integrations.repositories(
            principal,
            id: try UUID(pathParameter: input.path.id),
            page: try Pagination.request(input.query.page)
        )
        let links = try Pagination.links(page)
        return .ok(
            .init(body: .json(.init(count: page.count, next: links.next, previous: links.previous, results: page.items.map { .init($0) })))
        )
    }
}
