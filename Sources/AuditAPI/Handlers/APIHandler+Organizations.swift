import Core
import Foundation

/// Tag `organizations`: the current organization, its members and invitations.
extension APIHandler {
    func getCurrentOrganization(_ input: Operations.GetCurrentOrganization.Input) async throws -> Operations.GetCurrentOrganization.Output {
        .ok(.init(body: .json(.init(try await organizations.current(try scope.authenticated())))))
    }

    func updateCurrentOrganization(
        _ input: Operations.UpdateCurrentOrganization.Input
    ) async throws -> Operations.UpdateCurrentOrganization.Output {
        let principal = try scope.authenticated()
        guard case .json(let body) = input.body else { throw APIError.malformed }
        return .ok(
            .init(
                body: .json(
                    .init(
                        try await organizations.update(
                            principal,
                            name: body.name,
                            requireTwoFactor: body.requireTwoFactor,
                            ip: scope.clientIP
                        )
                    )
                )
            )
        )
    }

    func listMembers(_ input: Operations.ListMembers.Input) async throws -> Operations.ListMembers.Output {
        let principal = try scope.authenticated()
        let page = try await organizations.members(principal, page: try Pagination.request(input.query.page))
        let links = try Pagination.links(page)
        return .ok(
            .init(body: .json(.init(count: page.count, next: links.next, previous: links.previous, results: page.items.map { .init($0) })))
        )
    }

    func updateMember(_ input: Operations.UpdateMember.Input) async throws -> Operations.UpdateMember.Output {
        let principal = try scope.authenticated()
        let userID = try UUID(pathParameter: input.path.userId)
        guard case .json(let body) = input.body else { throw APIError.malformed }
        let member = try await organizations.changeRole(principal, userID: userID, to: body.role.core, ip: scope.clientIP)
        return .ok(.init(body: .json(.init(member))))
    }

    func removeMember(_ input: Operations.RemoveMember.Input) async throws -> Operations.RemoveMember.Output {
        let principal = try scope.authenticated()
        try await organizations.remove(principal, userID: try UUID(pathParameter: input.path.userId), ip: scope.clientIP)
        return .noContent(.init())
    }

    func listInvitations(_ input: Operations.ListInvitations.Input) async throws -> Operations.ListInvitations.Output {
        let principal = try scope.authenticated()
        let page = try await organizations.invitations(principal, page: try Pagination.request(input.query.page))
        let links = try Pagination.links(page)
        return .ok(
            .init(body: .json(.init(count: page.count, next: links.next, previous: links.previous, results: page.items.map { .init($0) })))
        )
    }

    func createInvitation(_ input: Operations.CreateInvitation.Input) async throws -> Operations.CreateInvitation.Output {
        let principal = try scope.authenticated()
        guard case .json(let body) = input.body else { throw APIError.malformed }
        let (invitation, token) = try await organizations.invite(principal, email: body.email, role: body.role.core, ip: scope.clientIP)
        return .created(.init(body: .json(.init(value1: .init(invitation), value2: .init(token: token)))))
    }

    func revokeInvitation(_ input: Operations.RevokeInvitation.Input) async throws -> Operations.RevokeInvitation.Output {
        let principal = try scope.authenticated()
        try await organizations.revokeInvitation(principal, id: try UUID(pathParameter: input.path.id), ip: scope.clientIP)
        return .noContent(.init())
    }

    func acceptInvitation(_ input: Operations.AcceptInvitation.Input) async throws -> Operations.AcceptInvitation.Output {
        guard case .json(let body) = input.body else { throw APIError.malformed }
        let accepted = try await organizations.acceptInvitation(
            token: body.token,
            password: body.password,
            fullName: body.fullName,
            caller: scope.principal,
            ip: scope.clientIP
        )
        let payload = Components.Schemas.AcceptedInvitation(
            organization: .init(accepted.organization),
            role: .init(accepted.role),
            user: accepted.createdUser.map { .init(id: $0.id.apiString, email: $0.email, fullName: $0.fullName) },
            access: accepted.tokens?.access,
            refresh: accepted.tokens?.refresh
        )
        return accepted.tokens == nil ? .ok(.init(body: .json(payload))) : .created(.init(body: .json(payload)))
    }
}
