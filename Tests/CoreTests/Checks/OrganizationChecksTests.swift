import Foundation
import Testing

@testable import Core

@Suite("Organization checks")
struct OrganizationChecksTests {
    static let orgPath = "/orgs/acme"

    /// The owner view of `GET /orgs/acme` with `overrides` replacing fields (JSON fragments).
    static func settings(_ overrides: [String: String] = [:]) -> CheckAnswer {
        var fields: [String: String] = [
            "login": #""acme""#, "plan": #"{"name":"team","seats":60}"#, "default_repository_permission": #""read""#,
            "two_factor_requirement_enabled": "true", "members_can_create_public_repositories": "false",
            "members_can_fork_private_repositories": "false", "members_allowed_repository_creation_type": #""private""#,
        ]
        fields.merge(overrides) { $1 }
        return Fixture.ok("{" + fields.map { "\"\($0.key)\":\($0.value)" }.joined(separator: ",") + "}")
    }

    /// What a non-owner sees: no plan, no settings.
    static let memberView = Fixture.ok(#"{"login":"acme","id":1,"public_repos":3}"#)

    // MARK: org_2fa_required

    @Test func twoFactorRequired() {
        let check = OrganizationChecks.TwoFactorRequired()
        expectVerdict(Fixture.run(check, Fixture.organization, [Self.orgPath: Self.settings()]), .pass, "requires two-factor")
        expectVerdict(
            Fixture.run(check, Fixture.organization, [Self.orgPath: Self.settings(["two_factor_requirement_enabled": "false"])]),
            .fail,
            "two_factor_requirement_enabled is false"
        )
        expectVerdict(Fixture.run(check, Fixture.organization, [Self.orgPath: Self.memberView]), .error, "organization owner")
        expectVerdict(
            Fixture.run(check, Fixture.organization, [Self.orgPath: Self.settings(["two_factor_requirement_enabled": "null"])]),
            .error,
            "did not show two_factor_requirement_enabled"
        )
        expectVerdict(Fixture.run(check, Fixture.organization, [Self.orgPath: Fixture.notFound]), .error, "Not Found")
        expectVerdict(Fixture.run(check, Fixture.organization, [Self.orgPath: Fixture.sso]), .error, "SAML SSO")
        expectVerdict(Fixture.run(check, Fixture.organization, [Self.orgPath: Fixture.rateLimited]), .error, "rate limit")
    }

    // MARK: org_default_repo_permission

    @Test func defaultRepositoryPermission() {
        let check = OrganizationChecks.DefaultRepositoryPermission()
        expectVerdict(Fixture.run(check, Fixture.organization, [Self.orgPath: Self.settings()]), .pass, "\"read\"")
        expectVerdict(
            Fixture.run(check, Fixture.organization, [Self.orgPath: Self.settings(["default_repository_permission": #""none""#])]),
            .pass,
            "\"none\""
        )
        expectVerdict(
            Fixture.run(check, Fixture.organization, [Self.orgPath: Self.settings(["default_repository_permission": #""write""#])]),
            .fail,
            "\"write\"",
            "every member"
        )
        expectVerdict(
            Fixture.run(check, Fixture.organization, [Self.orgPath: Self.settings(["default_repository_permission": #""admin""#])]),
            .fail,
            "admin access"
        )
        expectVerdict(Fixture.run(check, Fixture.organization, [Self.orgPath: Self.memberView]), .error, "default_repository_permission")
        expectVerdict(Fixture.run(check, Fixture.organization, [Self.orgPath: Fixture.serverError]), .error, "Server Error")
    }

    // MARK: org_public_repo_creation_restricted

    @Test func publicRepositoryCreationRestricted() {
        let check = OrganizationChecks.PublicRepositoryCreationRestricted()
        expectVerdict(
            Fixture.run(check, Fixture.organization, [Self.orgPath: Self.settings()]),
            .pass,
            "cannot create public",
            "members_allowed_repository_creation_type is \"private\""
        )
        expectVerdict(
            Fixture.run(check, Fixture.organization, [Self.orgPath: Self.settings(["members_can_create_public_repositories": "true"])]),
            .fail,
            "members_can_create_public_repositories is true"
        )
        expectVerdict(Fixture.run(check, Fixture.organization, [Self.orgPath: Self.memberView]), .error, "organization owner")
        expectVerdict(Fixture.run(check, Fixture.organization, [Self.orgPath: Fixture.noIntegrationAccess]), .error, "administration=read")
    }

    /// GitHub is not known to refuse `GET /orgs/{org}` for plan reasons, but should it, the
    /// settings checks report a plan gap, never a failure.
    @Test func planRestrictedSettingsAreNotApplicable() {
        let checks: [any ComplianceCheck] = [
            OrganizationChecks.TwoFactorRequired(), OrganizationChecks.DefaultRepositoryPermission(),
            OrganizationChecks.PublicRepositoryCreationRestricted(),
        ]
        for check in checks {
            expectVerdict(
                Fixture.run(check, Fixture.organization, [Self.orgPath: Fixture.upgrade]),
                .notApplicable,
                "not available on this plan"
            )
        }
    }

    // MARK: org_owner_count

    static let ownersPath = "/orgs/acme/members?role=admin"

    static func users(_ logins: String...) -> String {
        "[" + logins.enumerated().map { #"{"login":"\#($1)","id":\#($0 + 1),"type":"User"}"# }.joined(separator: ",") + "]"
    }

    @Test func ownerCount() {
        let check = OrganizationChecks.OwnerCount()
        expectVerdict(
            Fixture.run(check, Fixture.organization, [Self.ownersPath: Fixture.ok(Self.users("ada", "bob"))]),
            .pass,
            "2 owners (ada, bob)"
        )
        expectVerdict(
            Fixture.run(check, Fixture.organization, [Self.ownersPath: Fixture.ok(Self.users("ada"))]),
            .fail,
            "1 owner (ada)",
            "at least 2"
        )
        expectVerdict(
            Fixture.run(
                check,
                Fixture.organization,
                [Self.ownersPath: Fixture.pages(Self.users("a", "b", "c"), Self.users("d", "e", "f", "g"))]
            ),
            .fail,
            "7 owners",
            "and 2 more",
            "at most 3"
        )
        expectVerdict(Fixture.run(check, Fixture.organization, [Self.ownersPath: Fixture.notFound]), .error, "owners")
        expectVerdict(
            Fixture.run(check, Fixture.organization, [Self.ownersPath: Fixture.upgrade]),
            .notApplicable,
            "not available on this plan"
        )
    }

    // MARK: org_audit_log_available

    static let auditLogPath = "/orgs/acme/audit-log?per_page=1"

    @Test func auditLogAvailable() {
        let check = OrganizationChecks.AuditLogAvailable()
        expectVerdict(
            Fixture.run(
                check,
                Fixture.organization,
                [Self.auditLogPath: Fixture.ok(#"[{"@timestamp":1772236800000,"action":"repo.create","actor":"ada"}]"#)]
            ),
            .pass,
            "2026-02-28",
            "repo.create"
        )
        expectVerdict(Fixture.run(check, Fixture.organization, [Self.auditLogPath: Fixture.ok("[]")]), .pass, "no events")
        expectVerdict(
            Fixture.run(check, Fixture.organization, [Self.auditLogPath: Fixture.notFound]),
            .notApplicable,
            "Enterprise Cloud",
            "compensating"
        )
        expectVerdict(Fixture.run(check, Fixture.organization, [Self.auditLogPath: Fixture.noTokenAccess]), .error, "personal access token")
        expectVerdict(Fixture.run(check, Fixture.organization, [Self.auditLogPath: Fixture.sso]), .error, "SAML SSO")
    }

    // MARK: webhooks_secure

    static let orgHooks = "/orgs/acme/hooks"
    static let repoHooks = "/repos/acme/api/hooks"

    static func hook(
        id: Int,
        url: String = "https://hooks.example.com/in",
        insecure: String = #""0""#,
        secret: String? = "********",
        active: Bool = true
    )
        -> String
    {
        let secretField = secret.map { #","secret":"\#($0)""# } ?? ""
        return
            #"{"id":\#(id),"name":"web","active":\#(active),"events":["push"],"config":{"url":"\#(url)","content_type":"json","insecure_ssl":\#(insecure)\#(secretField)}}"#
    }

    @Test func webhooksSecurePasses() {
        let check = OrganizationChecks.WebhooksSecure()
        expectVerdict(
            Fixture.run(
                check,
                Fixture.target(),
                [Self.orgHooks: Fixture.ok("[\(Self.hook(id: 1))]"), Self.repoHooks: Fixture.ok("[\(Self.hook(id: 2))]")]
            ),
            .pass,
            "All 2 active webhooks"
        )
        // An inactive hook delivers nothing, so its settings do not matter.
        expectVerdict(
            Fixture.run(
                check,
                Fixture.target(),
                [
                    Self.orgHooks: Fixture.ok("[]"),
                    Self.repoHooks: Fixture.ok("[\(Self.hook(id: 3, url: "http://x.example", active: false))]"),
                ]
            ),
            .pass,
            "No active webhook"
        )
    }

    @Test func webhooksSecureFails() {
        let check = OrganizationChecks.WebhooksSecure()
        let verdict = Fixture.run(
            check,
            Fixture.target(),
            [
                Self.orgHooks: Fixture.ok("[\(Self.hook(id: 1, insecure: #""1""#))]"),
                Self.repoHooks: Fixture.ok("[\(Self.hook(id: 2, url: "http://ci.example.com/hook?token=s3cret", secret: nil))]"),
            ]
        )
        expectVerdict(
            verdict,
            .fail,
            "organization hook 1 (hooks.example.com) skips TLS verification",
            "repository hook 2 (ci.example.com) does not use https, has no secret"
        )
        #expect(!verdict.sentence.contains("s3cret"))
        // A seen insecure hook is a FAIL even if the other list could not be read.
        expectVerdict(
            Fixture.run(
                check,
                Fixture.target(),
                [Self.orgHooks: Fixture.notFound, Self.repoHooks: Fixture.ok("[\(Self.hook(id: 2, insecure: "1"))]")]
            ),
            .fail,
            "insecure_ssl 1"
        )
    }

    @Test func webhooksSecureCannotSee() {
        let check = OrganizationChecks.WebhooksSecure()
        expectVerdict(
            Fixture.run(check, Fixture.target(), [Self.orgHooks: Fixture.notFound, Self.repoHooks: Fixture.ok("[]")]),
            .error,
            "organization webhooks"
        )
        expectVerdict(
            Fixture.run(check, Fixture.target(), [Self.orgHooks: Fixture.ok("[]"), Self.repoHooks: Fixture.noIntegrationAccess]),
            .error,
            "repository webhooks"
        )
        expectVerdict(Fixture.run(check, Fixture.target(Fixture.repository(archived: true)), [:]), .notApplicable, "archived")
    }
}
