import Foundation
import PostgresNIO

/// What `auth/register/` and a new account from an invitation return.
public struct Registration: Sendable {
    public let profile: Profile
    public let organization: Organization
    public let tokens: TokenPair
}

extension IdentityService {
    /// Creates a user, their organization (on a trial) and their ADMIN membership, and logs them in.
    public func register(
        email rawEmail: String,
        password: String,
        fullName rawName: String,
        organizationName rawOrganization: String,
        ip: String
    ) async throws -> Registration {
        try await spendAuthenticationBudget(.register, ip: ip)
        let form = try Self.validatedRegistration(email: rawEmail, password: password, fullName: rawName, organizationName: rawOrganization)
        let passwordHash = try await hasher.hash(password)
        let (registration, mail) = try await postgres.transaction(logger: logger) { connection in
            let userID = try await insertRegisteredUser(form, passwordHash: passwordHash, on: connection)
            let organization = try await Organization.insert(
                name: form.organizationName,
                trialEndsAt: Date.now.addingTimeInterval(trialLength),
                on: connection,
                logger: logger
            )
            try await memberships.insert(userID, into: organization.id, role: .admin, on: connection)
            _ = try await loginAddresses.record(ip, of: userID, on: connection)
            try await AuditLog.record(
                AuditEvent(
                    organizationID: organization.id,
                    actorID: userID,
                    action: .userRegistered,
                    targetType: .user,
                    targetID: userID.apiString,
                    ip: ip
                ),
                on: connection,
                logger: logger
            )
            let mail = try await queueVerification(
                userID: userID,
                email: form.email,
                name: form.fullName,
                reason: "registration",
                on: connection
            )
            let pair = try await logins.issuePair(userID: userID, organizationID: organization.id, familyID: nil, on: connection)
            let profile = try await self.profile(userID: userID, on: connection)
            return (Registration(profile: profile, organization: organization, tokens: pair), mail)
        }
        await outbox?.publish(mail.map { [$0] } ?? [])
        return registration
    }

    /// A registration's fields, normalized and checked.
    struct RegistrationForm {
        let email: String
        let fullName: String
        let organizationName: String
    }

    /// Every invalid field at once, as DRF answers (`{}` names each required field).
    static func validatedRegistration(
        email rawEmail: String,
        password: String,
        fullName rawName: String,
        organizationName rawOrganization: String
    )
        throws(IdentityError) -> RegistrationForm
    {
        var errors: [String: [String]] = [:]
        let email = Self.collect(&errors) { () throws(IdentityError) in try Self.normalizedEmail(rawEmail) } ?? ""
        let fullName = Self.collect(&errors) { () throws(IdentityError) in
            try Self.validatedName(rawName, field: "full_name", required: true)
        }
        let organizationName = Self.collect(&errors) { () throws(IdentityError) in
            try Self.validatedName(rawOrganization, field: "organization_name", required: true)
        }
        let passwordProblems = PasswordPolicy.problems(with: password, email: email)
        if !passwordProblems.isEmpty { errors["password", default: []] += passwordProblems }
        guard errors.isEmpty, let fullName, let organizationName else { throw .validation(errors) }
        return RegistrationForm(email: email, fullName: fullName, organizationName: organizationName)
    }

    /// The new user's id; a validation error when the address has an account already.
    private func insertRegisteredUser(_ form: RegistrationForm, passwordHash: String, on connection: PostgresConnection) async throws
        -> UUID
    {
        if let id = try await accounts.insertRegistered(
            email: form.email,
            fullName: form.fullName,
            passwordHash: passwordHash,
            on: connection
        ) {
            return id
        }
        // Deliberately vague: saying "taken" would confirm the address has an account.
        throw IdentityError.validation(["email": ["Unable to register with this email address."]])
    }

    /// Runs a validation, folding its field errors into `errors` instead of stopping at the first.
    static func collect<Value>(_ errors: inout [String: [String]], _ body: () throws(IdentityError) -> Value) -> Value? {
        do {
            return try body()
        } catch {
            errors.merge(error.fields) { $0 + $1 }
            return nil
        }
    }
}

extension IdentityError {
    /// The field errors of a validation error (empty for other kinds).
    var fields: [String: [String]] {
        if case .validation(let fields) = self { return fields }
        return [:]
    }
}
