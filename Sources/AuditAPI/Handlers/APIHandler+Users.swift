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

    func beginTwoFactor(_ input: Operations.BeginTwoFactor.Input) async throws -> Operations.BeginTwoFactor.Output {
        let enrollment = try await identity.beginTwoFactor(try scope.authenticated())
        return .ok(.init(body: .json(.init(secret: enrollment.secret, otpauthUri: enrollment.otpauthURI))))
    }

    func confirmTwoFactor(_ input: Operations.ConfirmTwoFactor.Input) async throws -> Operations.ConfirmTwoFactor.Output {
        let principal = try scope.authenticated()
        guard case .json(let body) = input.body else { throw APIError.malformed }
        let codes = try await identity.confirmTwoFactor(principal, code: body.code, ip: scope.clientIP)
        return .ok(.init(body: .json(.init(recoveryCodes: codes))))
    }

    func disableTwoFactor(_ input: Operations.DisableTwoFactor.Input) async throws -> Operations.DisableTwoFactor.Output {
        let principal = try scope.authenticated()
        guard case .json(let body) = input.body else { throw APIError.malformed }
        try await identity.disableTwoFactor(principal, password: body.password, code: body.code, ip: scope.clientIP)
        return .noContent(.init())
    }
}
