import Foundation
import PostgresNIO

/// A second factor: TOTP (RFC 6238) with one-time recovery codes. Enrolling is two steps, so a
/// secret that never reached an authenticator app cannot lock its user out.
extension IdentityService {
    /// What `POST users/me/two-factor/` shows once: the secret to type in, and the same as a URI
    /// for a QR code.
    public struct TwoFactorEnrollment: Sendable {
        public let secret: String
        public let otpauthURI: String
    }

    static let recoveryCodeCount = 10

    /// `POST users/me/two-factor/`: a new pending secret (replacing an earlier pending one). 400
    /// when a confirmed factor exists.
    public func beginTwoFactor(_ principal: Principal) async throws -> TwoFactorEnrollment {
        let fernet = try configuredFernet()
        let totp = TOTP.generate()
        let ciphertext = try fernet.encrypt(totp.secret)
        let started = try await postgres.withConnection { connection in
            try await twoFactor.begin(principal.userID, secretCiphertext: ciphertext, on: connection)
        }
        guard started else { throw IdentityError.rejected("A second factor is already enabled; remove it first.") }
        return TwoFactorEnrollment(secret: totp.base32Secret, otpauthURI: totp.otpauthURI(issuer: "AuditMate", account: principal.email))
    }

    /// `POST users/me/two-factor/confirm/`: a code from the pending secret enables it and returns
    /// the recovery codes, shown only here.
    public func confirmTwoFactor(_ principal: Principal, code: String, ip: String) async throws -> [String] {
        let fernet = try configuredFernet()
        let codes = RecoveryCodes.generate(count: Self.recoveryCodeCount)
        try await postgres.transaction(logger: logger) { connection in
            guard let factor = try await twoFactor.lock(principal.userID, on: connection), !factor.isConfirmed else {
                throw IdentityError.rejected(
                    try await twoFactor.isEnrolled(principal.userID, on: connection)
                        ? "A second factor is already enabled." : "Start the enrollment first (POST /api/v1/users/me/two-factor/)."
                )
            }
            let totp = TOTP(secret: Array(try fernet.decrypt(factor.secretCiphertext)))
            guard let step = totp.matchingStep(code, at: .now) else { throw IdentityError.validation(["code": ["The code is not valid."]]) }
            try await twoFactor.confirm(
                principal.userID,
                step: Int64(step),
                recoveryCodeHashes: codes.compactMap(RecoveryCodes.normalized).map(RecoveryCodes.hash),
                on: connection
            )
            try await recordForUser(principal.userID, action: .twoFactorEnabled, ip: ip, metadata: [:], on: connection)
        }
        await stamps.changed(.user(principal.userID))
        return codes
    }

    /// `DELETE users/me/two-factor/`: the password and a current code (or a recovery code) remove
    /// the factor. A wrong password counts against the same budget as a password change.
    public func disableTwoFactor(_ principal: Principal, password: String, code: String, ip: String) async throws {
        let attempt = try await reserve(.passwordFailures(principal.userID))
        let stored = try await postgres.withConnection { connection in try await accounts.passwordHash(of: principal.userID, on: connection)
        }
        guard try await hasher.verify(password, against: stored ?? "") else {
            throw IdentityError.validation(["password": ["Your password was entered incorrectly. Please enter it again."]])
        }
        await throttle.release(attempt)
        try await postgres.transaction(logger: logger) { connection in
            guard try await twoFactor.isEnrolled(principal.userID, on: connection) else {
                throw IdentityError.rejected("No second factor is enabled.")
            }
            guard try await spendSecondFactor(code, of: principal.userID, on: connection) else {
                throw IdentityError.validation(["code": ["The code is not valid."]])
            }
            try await twoFactor.remove(principal.userID, on: connection)
            try await recordForUser(principal.userID, action: .twoFactorDisabled, ip: ip, metadata: [:], on: connection)
        }
        await stamps.changed(.user(principal.userID))
    }

    /// Whether the user has a confirmed second factor.
    public func hasTwoFactor(userID: UUID) async throws -> Bool {
        try await postgres.withConnection { connection in try await twoFactor.isEnrolled(userID, on: connection) }
    }

    /// The login's second step, run after the password matched: nothing for an account without a
    /// factor; `otpRequired` when the code is missing; false when it is wrong or was used already.
    func checkSecondFactor(_ otp: String?, of userID: UUID) async throws -> Bool {
        try await postgres.transaction(logger: logger) { connection in
            guard try await twoFactor.isEnrolled(userID, on: connection) else { return true }
            guard let otp, !otp.trimmingCharacters(in: .whitespaces).isEmpty else { throw IdentityError.otpRequired }
            return try await spendSecondFactor(otp, of: userID, on: connection)
        }
    }

    /// Spends `code` for a user with a confirmed factor: a TOTP code newer than the last one
    /// accepted (so each works once), or an unused recovery code.
    private func spendSecondFactor(_ code: String, of userID: UUID, on connection: PostgresConnection) async throws -> Bool {
        guard code.count <= 64, let factor = try await twoFactor.lock(userID, on: connection), factor.isConfirmed else { return false }
        if let recovery = RecoveryCodes.normalized(code) {
            return try await twoFactor.spendRecoveryCode(hash: RecoveryCodes.hash(recovery), of: userID, on: connection)
        }
        let totp = TOTP(secret: Array(try configuredFernet().decrypt(factor.secretCiphertext)))
        guard let step = totp.matchingStep(code, at: .now), Int64(step) > factor.lastStep else { return false }
        try await twoFactor.spend(step: Int64(step), of: userID, on: connection)
        return true
    }

    /// `AuditAPI rotate-secrets`: re-encrypts every second-factor secret under the first of
    /// `FERNET_KEYS`; how many were re-encrypted, of how many.
    public func rotateSecrets() async throws -> (rotated: Int, total: Int) {
        let fernet = try configuredFernet()
        return try await postgres.transaction(logger: logger) { connection in
            try await fernet.rotateStale(try await twoFactor.lockAllCiphertexts(on: connection)) { userID, ciphertext in
                try await twoFactor.replaceCiphertext(of: userID, with: ciphertext, on: connection)
            }
        }
    }

    private func configuredFernet() throws -> Fernet {
        guard let fernet else { throw IdentityError.rejected("A second factor needs FERNET_KEYS.") }
        return fernet
    }
}
