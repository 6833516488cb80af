import Core
import Foundation
import Testing

/// Rotating `JWT_SIGNING_KEY` across replicas that restart one at a time: every token any replica
/// issued must verify on every other replica at each step of the runbook's three deploys.
@Suite("JWT key rotation")
struct TokenRotationTests {
    let old = String(repeating: "o", count: 40)
    let new = String(repeating: "n", count: 40)

    func issuer(signing key: String, verifying others: [String] = []) async -> TokenIssuer {
        await TokenIssuer(signingKey: key, verifyingKeys: others, accessLifetime: .seconds(300), refreshLifetime: .seconds(86_400))
    }

    func token(from issuer: TokenIssuer) async throws -> String {
        try await issuer.issue(.refresh, userID: UUID(), organizationID: nil, familyID: UUID()).token
    }

    func accepts(_ issuer: TokenIssuer, _ token: String) async -> Bool {
        (try? await issuer.verify(token, as: .refresh)) != nil
    }

    @Test func eachStepAcceptsWhatTheNeighbouringStepIssues() async throws {
        let before = await issuer(signing: old)
        let learning = await issuer(signing: old, verifying: [new])
        let switched = await issuer(signing: new, verifying: [old])
        let after = await issuer(signing: new)

        // Deploy 1 (learn the new key) rolls out next to replicas that know only the old one.
        #expect(await accepts(learning, try await token(from: before)))
        #expect(await accepts(before, try await token(from: learning)))
        // Deploy 2 (sign with the new key) rolls out next to replicas from deploy 1.
        #expect(await accepts(learning, try await token(from: switched)))
        #expect(await accepts(switched, try await token(from: learning)))
        // Deploy 3 drops the old key once the refresh lifetime has passed; until then tokens from
        // before the switch still work, afterwards they do not.
        #expect(await accepts(after, try await token(from: switched)))
        #expect(!(await accepts(after, try await token(from: before))))
        // A key nobody configured never verifies.
        #expect(!(await accepts(switched, try await token(from: await issuer(signing: String(repeating: "x", count: 40))))))
    }

    @Test func productionChecksVerifyingKeysLikeTheSigningKey() throws {
        let base: [String: String] = ["JWT_VERIFYING_KEYS": "\(new), short"]
        #expect(throws: ConfigError("JWT_VERIFYING_KEYS", "is too weak: 5 bytes, at least 32 required")) {
            try AppConfig(environment: AppConfigTests.production.merging(base) { $1 })
        }
        let config = try AppConfig(environment: AppConfigTests.production.merging(["JWT_VERIFYING_KEYS": "\(new),\(old)"]) { $1 })
        #expect(config.secrets.jwtVerifyingKeys == [new, old])
    }
}
