import Core
import Foundation

/// Tag `auth`: registration, SimpleJWT-compatible tokens and browser sessions.
extension APIHandler {
    func register(_ input: Operations.Register.Input) async throws -> Operations.Register.Output {
        guard case .json(let body) = input.body else { throw APIError.malformed }
        let registration = try await identity.register(
            email: body.email,
            password: body.password,
            fullName: body.fullName,
            organizationName: body.organizationName,
            ip: scope.clientIP
        )
        return .created(
            .init(
                body: .json(
                    .init(
                        user: .init(registration.profile),
                        organization: .init(registration.organization),
                        access: registration.tokens.access,
                        refresh: registration.tokens.refresh
                    )
                )
            )
        )
    }

    func obtainTokenPair(_ input: Operations.ObtainTokenPair.Input) async throws -> Operations.ObtainTokenPair.Output {
        guard case .json(let body) = input.body else { throw APIError.malformed }
        let pair = try await identity.obtainTokens(
            email: body.email,
            password: body.password,
            otp: body.otp,
            organizationID: try body.organization.map(Self.organizationID),
            ip: scope.clientIP
        )
        return .ok(.init(body: .json(.init(pair))))
    }

    func refreshTokenPair(_ input: Operations.RefreshTokenPair.Input) async throws -> Operations.RefreshTokenPair.Output {
        guard case .json(let body) = input.body else { throw APIError.malformed }
        return .ok(.init(body: .json(.init(try await identity.refresh(body.refresh, ip: scope.clientIP)))))
    }

    func verifyToken(_ input: Operations.VerifyToken.Input) async throws -> Operations.VerifyToken.Output {
        guard case .json(let body) = input.body else { throw APIError.malformed }
        try await identity.verify(body.token, ip: scope.clientIP)
        return .ok(.init(body: .json(.init())))
    }

    func verifyEmail(_ input: Operations.VerifyEmail.Input) async throws -> Operations.VerifyEmail.Output {
        guard case .json(let body) = input.body else { throw APIError.malformed }
        let email = try await identity.verifyEmail(token: body.token, ip: scope.clientIP)
        return .ok(.init(body: .json(.init(detail: "Your e-mail address is verified.", email: email, emailVerified: true))))
    }

    func resendVerificationEmail(_ input: Operations.ResendVerificationEmail.Input) async throws
        -> Operations.ResendVerificationEmail.Output
    {
        try await identity.resendVerification(try scope.authenticated(), ip: scope.clientIP)
        return .accepted(.init(body: .json(.init(detail: "A new verification mail is on its way."))))
    }

    func requestPasswordReset(_ input: Operations.RequestPasswordReset.Input) async throws -> Operations.RequestPasswordReset.Output {
        guard case .json(let body) = input.body else { throw APIError.malformed }
        try await identity.requestPasswordReset(email: body.email, ip: scope.clientIP)
        return .accepted(
            .init(body: .json(.init(detail: "If an account uses this address, a link to reset its password is on its way.")))
        )
    }

    func confirmPasswordReset(_ input: Operations.ConfirmPasswordReset.Input) async throws -> Operations.ConfirmPasswordReset.Output {
        guard case .json(let body) = input.body else { throw APIError.malformed }
        try await identity.confirmPasswordReset(token: body.token, password: body.password, ip: scope.clientIP)
        return .ok(.init(body: .json(.init(detail: "Your password is set; every device was signed out."))))
    }

    func logout(_ input: Operations.Logout.Input) async throws -> Operations.Logout.Output {
        guard case .json(let body) = input.body else { throw APIError.malformed }
        try await identity.logout(try scope.authenticated(), refreshToken: body.refresh, ip: scope.clientIP)
        return .noContent(.init())
    }

    func createSession(_ input: Operations.CreateSession.Input) async throws -> Operations.CreateSession.Output {
        guard case .json(let body) = input.body else { throw APIError.malformed }
        let session = try await identity.openSession(
            email: body.email,
            password: body.password,
            otp: body.otp,
            organizationID: try body.organization.map(Self.organizationID),
            ip: scope.clientIP
        )
        SessionCookies.set(session, secure: secureCookies).forEach(scope.responseHeaders.setCookie)
        return .ok(.init(body: .json(.init(session.profile))))
    }

    func deleteSession(_ input: Operations.DeleteSession.Input) async throws -> Operations.DeleteSession.Output {
        try await identity.closeSession(try scope.authenticated(), ip: scope.clientIP)
        SessionCookies.clear(secure: secureCookies).forEach(scope.responseHeaders.setCookie)
        return .noContent(.init())
    }

    func switchOrganization(_ input: Operations.SwitchOrganization.Input) async throws -> Operations.SwitchOrganization.Output {
        guard case .json(let body) = input.body else { throw APIError.malformed }
        let pair = try await identity.switchOrganization(try scope.authenticated(), to: try Self.organizationID(body.organization))
        return .ok(.init(body: .json(.init(pair))))
    }

    /// An organization id from a request body; one that is not a UUID cannot be the caller's (404).
    static func organizationID(_ text: String) throws -> UUID {
        try UUID(pathParameter: text)
    }
}
