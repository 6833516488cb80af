import Foundation
import Testing

@testable import Core

extension SecurityChecksTests {
    // MARK: codeowners_present

    static let codeowners = "/repos/acme/api/codeowners/errors"

    @Test func codeownersPresent() {
        let check = SecurityChecks.CodeownersPresent()
        expectVerdict(
            Fixture.run(check, Fixture.target(), [Self.codeowners: Fixture.ok(#"{"errors":[]}"#)]),
            .pass,
            "CODEOWNERS file without errors"
        )
        expectVerdict(Fixture.run(check, Fixture.target(), [Self.codeowners: Fixture.notFound]), .fail, "no CODEOWNERS file")
        expectVerdict(
            Fixture.run(
                check,
                Fixture.target(),
                [
                    Self.codeowners: Fixture.ok(
                        #"{"errors":[{"line":2,"column":8,"kind":"Unknown owner","source":"* @acme/ghosts","path":".github/CODEOWNERS"},{"line":5,"column":1,"kind":"Invalid pattern","path":".github/CODEOWNERS"}]}"#
                    )
                ]
            ),
            .fail,
            "2 errors in .github/CODEOWNERS (line 2: Unknown owner, line 5: Invalid pattern)"
        )
        expectVerdict(Fixture.run(check, Fixture.target(), [Self.codeowners: Fixture.noTokenAccess]), .error, "CODEOWNERS")
        expectVerdict(Fixture.run(check, Fixture.target(), [Self.codeowners: Fixture.sso]), .error, "SAML SSO")
        expectVerdict(Fixture.run(check, Self.archived, [:]), .notApplicable, "archived")
    }

    // MARK: security_policy_present

    static let policyPaths = [
        "/repos/acme/api/contents/SECURITY.md", "/repos/acme/api/contents/.github/SECURITY.md", "/repos/acme/api/contents/docs/SECURITY.md",
        "/repos/acme/.github/contents/SECURITY.md", "/repos/acme/.github/contents/.github/SECURITY.md",
        "/repos/acme/.github/contents/docs/SECURITY.md",
    ]
    static let reporting = "/repos/acme/api/private-vulnerability-reporting"
    static let policyFile = Fixture.ok(
        #"{"type":"file","name":"SECURITY.md","path":".github/SECURITY.md","size":812,"encoding":"base64","content":"IyBTZWN1cml0eQ=="}"#
    )

    static func policyAnswers(found: String? = nil, other: CheckAnswer = Fixture.notFound) -> [String: CheckAnswer] {
        Dictionary(uniqueKeysWithValues: policyPaths.map { ($0, $0 == found ? policyFile : other) })
    }

    @Test func securityPolicyPresent() {
        let check = SecurityChecks.SecurityPolicyPresent()
        expectVerdict(
            Fixture.run(
                check,
                Fixture.target(),
                Self.policyAnswers(found: Self.policyPaths[1]).merging([Self.reporting: Fixture.ok(#"{"enabled":true}"#)]) { $1 }
            ),
            .pass,
            "published at acme/api/.github/SECURITY.md; private vulnerability reporting is enabled"
        )
        expectVerdict(
            Fixture.run(check, Fixture.target(), Self.policyAnswers(found: Self.policyPaths[3])),
            .pass,
            "published at acme/.github/SECURITY.md"
        )
        expectVerdict(
            Fixture.run(check, Fixture.target(), Self.policyAnswers().merging([Self.reporting: Fixture.ok(#"{"enabled":false}"#)]) { $1 }),
            .fail,
            "No SECURITY.md in acme/api (root, .github/, docs/) or in acme/.github; private vulnerability reporting is disabled"
        )
        var unreadable = Self.policyAnswers()
        unreadable[Self.policyPaths[0]] = Fixture.noIntegrationAccess
        expectVerdict(Fixture.run(check, Fixture.target(), unreadable), .error, "acme/api/SECURITY.md", "Resource not accessible")
        expectVerdict(Fixture.run(check, Self.archived, [:]), .notApplicable, "archived")
    }

    // MARK: license_present

    static let licensePath = "/repos/acme/api/license"

    @Test func licensePresent() {
        let check = SecurityChecks.LicensePresent()
        expectVerdict(
            Fixture.run(
                check,
                Self.publicRepository,
                [
                    Self.licensePath: Fixture.ok(
                        #"{"name":"LICENSE","path":"LICENSE","license":{"key":"mit","name":"MIT License","spdx_id":"MIT"}}"#
                    )
                ]
            ),
            .pass,
            "licensed under MIT License (MIT) in LICENSE"
        )
        expectVerdict(
            Fixture.run(
                check,
                Self.publicRepository,
                [
                    Self.licensePath: Fixture.ok(
                        #"{"name":"LICENSE.txt","path":"LICENSE.txt","license":{"key":"other","name":"Other","spdx_id":"NOASSERTION"}}"#
                    )
                ]
            ),
            .fail,
            "does not recognise its license (spdx_id NOASSERTION)"
        )
        expectVerdict(
            Fixture.run(check, Self.publicRepository, [Self.licensePath: Fixture.notFound]),
            .fail,
            "public and GitHub found no license file"
        )
        expectVerdict(Fixture.run(check, Self.publicRepository, [Self.licensePath: Fixture.serverError]), .error, "Server Error")
        #expect(check.requests(for: Fixture.target()).map(\.path) == [Self.repoPath])
        expectVerdict(
            Fixture.run(check, Fixture.target(), [Self.repoPath: Self.repository(analysis: nil)]),
            .notApplicable,
            "acme/api is private"
        )
        expectVerdict(Fixture.run(check, Fixture.target(Fixture.repository(visibility: "internal")), [:]), .notApplicable, "internal")
        expectVerdict(
            Fixture.run(check, Fixture.target(Fixture.repository(visibility: "public", archived: true)), [:]),
            .notApplicable,
            "archived"
        )
    }
}
