import Core

/// Tag `users`: the authenticated user.
extension APIHandler {
    func getCurrentUser(_ input: Operations.GetCurrentUser.Input) async throws -> Operations.GetCurrentUser.Output {
        let principal = try scope.authenticated()
        return .ok(.init(body: .json(.init(try await identity.profile(userID: principal.userID)))))
    }

    func updateCurrentUser(_ input: Operations.UpdateCurrentUser.Input) async throws -> Operations.UpdateCurrentUser.Output {
        let principal = try scope.authenticated()
        guard case .json(let body) = input.body else { throw APIError.malformed }
        let profile = try await identity.updateProfile(
            principal,
            fullName: body.fullName,
            email: body.email,
            notifyNewLogin: body.notifyNewLogin,
            ip: scope.clientIP
        )
        return .ok(.init(body: .json(.init(profile))))
    }

    func changePassword(_ input: Operations.ChangePassword.Input) async throws -> Operations.ChangePassword.Output {
        let principal = try scope.authenticated()
        guard case .json(let body) = input.body else { throw APIError.malformed }
        try await identity.changePassword(principal, current: body.currentPassword, new: body.newPassword, ip: scope.clientIP)
        return .noContent(.init())
    }
}
