import Core
import Foundation
import HTTPTypes
import TestSupport
import Testing

@testable import AuditAPI

extension Security {
    /// A tenant's GitHub Enterprise `base_url` reaches the internet only: refused with a 400 naming
    /// `base_url` when the integration is connected, and nothing is stored or fetched.
    @Suite("GitHub base_url")
    struct BaseURLTests {
        static func production(_ fake: FakeGitHub) -> [String: String] {
            TestEnvironment.productionSettings.merging(["GITHUB_API_URL": fake.apiURL, "GITHUB_WEB_URL": fake.webURL]) { _, new in new }
        }

        @Test func literalSpellingsOfInternalAddressesAreRefused() async throws {
            let fake = try await FakeGitHub()
            defer { fake.shutdown() }
            fake.configure { $0.grants["ghp_tenant"] = .init(login: "octocat") }
            try await withIdentityAPI(extra: Self.production(fake)) { api, config in
                let admin = try await api.register()
                for base in [
                    "https://127.1/api/v3", "https://2130706433/api/v3", "https://0x7f.0.0.1/api/v3", "https://0177.0.0.1/api/v3",
                    "https://[::ffff:169.254.169.254]/api/v3", "https://169.254.169.254/latest", "https://10.0.0.1/api/v3",
                    "https://[fd00::1]/api/v3", "https://github.example.com./api/v3", "https://user:pass@github.example.com/api/v3",
                    "http://github.example.com/api/v3", "https://localhost:\(fake.port)/api/v3", "https://127.0.0.1:\(fake.port)",
                ] {
                    let response = try await api.request(
                        .post,
                        "/api/v1/integrations/github/",
                        json: ["token": "ghp_tenant", "base_url": base],
                        token: admin.access
                    )
                    #expect(response.status == .badRequest, "\(base): \(response.text)")
                    let message = try #require((try response.json()["base_url"] as? [String])?.first, "\(base)")
                    #expect(!message.contains(String(fake.port)))
                }
                #expect(fake.requests.isEmpty, "nothing was fetched")
                #expect(try await IntegrationTests.storedCiphertexts(config.database).isEmpty, "nothing was stored")
            }
        }

        @Test(.enabled(if: TestEnvironment.isolatedNetwork, "aims at private addresses: only inside the test command's network namespace"))
        func namesResolvingToInternalAddressesAreRefusedAtConnectTime() async throws {
            let fake = try await FakeGitHub()
            defer { fake.shutdown() }
            fake.configure { $0.grants["ghp_tenant"] = .init(login: "octocat") }
            try await withIdentityAPI(extra: Self.production(fake)) { api, config in
                let admin = try await api.register()
                for base in [
                    "https://private.auditmate.test/api/v3", "https://metadata.auditmate.test", "https://loopback.auditmate.test/api/v3",
                ] {
                    let response = try await api.request(
                        .post,
                        "/api/v1/integrations/github/",
                        json: ["token": "ghp_tenant", "base_url": base],
                        token: admin.access
                    )
                    #expect(response.status == .badRequest, "\(base): \(response.text)")
                    let message = try #require((try response.json()["base_url"] as? [String])?.first)
                    #expect(message.contains("not reachable from the internet"), "\(message)")
                    #expect(!message.contains("10.0.0.1") && !message.contains("169.254"))
                }
                #expect(try await IntegrationTests.storedCiphertexts(config.database).isEmpty)
            }
        }
    }
}
