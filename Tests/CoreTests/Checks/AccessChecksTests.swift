import Foundation
import Testing

@testable import Core

@Suite("Access checks")
struct AccessChecksTests {
    static func users(_ logins: String...) -> CheckAnswer {
        Fixture.ok("[" + logins.enumerated().map { #"{"login":"\#($1)","id":\#($0 + 1),"type":"User"}"# }.joined(separator: ",") + "]")
    }

    // MARK: members_2fa_enabled

    static let disabled = "/orgs/acme/members?filter=2fa_disabled"
    static let insecure = "/orgs/acme/members?filter=2fa_insecure"
    static let outside = "/orgs/acme/outside_collaborators?filter=2fa_disabled"

    @Test func membersTwoFactorPasses() {
        let check = AccessChecks.MembersTwoFactor()
        expectVerdict(
            Fixture.run(
                check,
                Fixture.organization,
                [Self.disabled: Self.users(), Self.insecure: Self.users(), Self.outside: Self.users()]
            ),
            .pass,
            "No member or outside collaborator of acme is without 2FA or on insecure 2FA"
        )
        // Older GitHub Enterprise Server does not know the 2fa_insecure filter: that sub-rule is skipped.
        expectVerdict(
            Fixture.run(
                check,
                Fixture.organization,
                [Self.disabled: Self.users(), Self.insecure: Fixture.failure(422, "Validation Failed"), Self.outside: Self.users()]
            ),
            .pass,
            "does not support the 2fa_insecure filter"
        )
    }

    @Test func membersTwoFactorFails() {
        let check = AccessChecks.MembersTwoFactor()
        expectVerdict(
            Fixture.run(
                check,
                Fixture.organization,
                [Self.disabled: Self.users("jdoe"), Self.insecure: Self.users("sms-sam"), Self.outside: Self.users("contractor")]
            ),
            .fail,
            "members without 2FA (1): jdoe",
            "insecure 2FA (e.g. SMS) (1): sms-sam",
            "outside collaborators without 2FA (1): contractor"
        )
        // What was seen is a FAIL even when another list could not be read.
        expectVerdict(
            Fixture.run(
                check,
                Fixture.organization,
                [Self.disabled: Self.users("jdoe"), Self.insecure: Fixture.onlyOwners, Self.outside: Fixture.sso]
            ),
            .fail,
            "jdoe"
        )
    }

    @Test func membersTwoFactorCannotSee() {
        let check = AccessChecks.MembersTwoFactor()
        expectVerdict(
            Fixture.run(
                check,
                Fixture.organization,
                [Self.disabled: Fixture.onlyOwners, Self.insecure: Fixture.onlyOwners, Self.outside: Fixture.onlyOwners]
            ),
            .error,
            "Only owners can use this filter"
        )
        // "Only owners" on the newer filter is still a permission problem, not an old server.
        expectVerdict(
            Fixture.run(
                check,
                Fixture.organization,
                [Self.disabled: Self.users(), Self.insecure: Fixture.onlyOwners, Self.outside: Self.users()]
            ),
            .error,
            "insecure 2FA"
        )
        expectVerdict(
            Fixture.run(
                check,
                Fixture.organization,
                [Self.disabled: Self.users(), Self.insecure: Self.users(), Self.outside: Fixture.rateLimited]
            ),
            .error,
            "rate limit"
        )
        expectVerdict(
            Fixture.run(
                check,
                Fixture.organization,
                [Self.disabled: Fixture.upgrade, Self.insecure: Fixture.upgrade, Self.outside: Fixture.upgrade]
            ),
            .notApplicable,
            "not available on this plan"
        )
    }

    // MARK: repo_privileged_access

    static let outsideCollaborators = "/repos/acme/api/collaborators?affiliation=outside"
    static let directCollaborators = "/repos/acme/api/collaborators?affiliation=direct"

    static func collaborator(_ login: String, admin: Bool = false, push: Bool = false) -> String {
        #"{"login":"\#(login)","type":"User","permissions":{"admin":\#(admin),"maintain":\#(admin),"push":\#(push || admin),"triage":true,"pull":true},"role_name":"\#(admin ? "admin" : push ? "write" : "read")"}"#
    }

    @Test func repositoryPrivilegedAccess() {
        let check = AccessChecks.RepositoryPrivilegedAccess()
        let direct = Fixture.ok(
            "[\(Self.collaborator("ada", admin: true)),\(Self.collaborator("bob", admin: true)),\(Self.collaborator("reader"))]"
        )
        expectVerdict(
            Fixture.run(
                check,
                Fixture.target(),
                [Self.outsideCollaborators: Fixture.ok("[\(Self.collaborator("reader"))]"), Self.directCollaborators: direct]
            ),
            .pass,
            "1 outside collaborator and 2 direct admins"
        )
        expectVerdict(
            Fixture.run(
                check,
                Fixture.target(),
                [
                    Self.outsideCollaborators: Fixture.ok(
                        "[\(Self.collaborator("vendor", push: true)),\(Self.collaborator("ext", admin: true))]"
                    ), Self.directCollaborators: direct,
                ]
            ),
            .fail,
            "2 outside collaborators with admin or write access: vendor (write), ext (admin)"
        )
        let admins = (1...5).map { Self.collaborator("admin\($0)", admin: true) }.joined(separator: ",")
        expectVerdict(
            Fixture.run(
                check,
                Fixture.target(),
                [Self.outsideCollaborators: Fixture.ok("[]"), Self.directCollaborators: Fixture.ok("[\(admins)]")]
            ),
            .fail,
            "5 users hold admin directly",
            "more than 3"
        )
        expectVerdict(
            Fixture.run(
                check,
                Fixture.target(),
                [Self.outsideCollaborators: Fixture.failure(403, "Must have push access to repository"), Self.directCollaborators: direct]
            ),
            .error,
            "Must have push access"
        )
        expectVerdict(Fixture.run(check, Fixture.target(Fixture.repository(archived: true)), [:]), .notApplicable, "archived")
    }

    // MARK: member_inactive

    static let probe = "/orgs/acme/audit-log?per_page=1"
    static let members = "/orgs/acme/members"
    static let owners = "/orgs/acme/members?role=admin"

    static func activity(_ login: String) -> String { "/orgs/acme/audit-log?phrase=actor:\(login)&include=all&per_page=1" }

    static func event(daysAgo: Int) -> CheckAnswer {
        let milliseconds = Int((Fixture.now.timeIntervalSince1970 - Double(daysAgo) * 86_400) * 1000)
        return Fixture.ok(#"[{"@timestamp":\#(milliseconds),"action":"git.push","actor":"x"}]"#)
    }

    @Test func memberInactive() {
        let check = AccessChecks.MemberInactive()
        let base: [String: CheckAnswer] = [
            Self.probe: Fixture.ok("[]"), Self.members: Self.users("ada", "bob", "carl"), Self.owners: Self.users("ada", "zed"),
        ]
        expectVerdict(
            Fixture.run(
                check,
                Fixture.organization,
                base.merging([
                    Self.activity("ada"): Self.event(daysAgo: 10), Self.activity("bob"): Self.event(daysAgo: 150),
                    Self.activity("carl"): Self.event(daysAgo: 0),
                ]) { $1 }
            ),
            .pass,
            "All 3 members (2 owners) were active within 180 days"
        )
        expectVerdict(
            Fixture.run(
                check,
                Fixture.organization,
                base.merging([
                    Self.activity("ada"): Self.event(daysAgo: 100), Self.activity("bob"): Self.event(daysAgo: 150),
                    Self.activity("carl"): Fixture.ok("[]"),
                ]) { $1 }
            ),
            .fail,
            "2 of 3 members inactive",
            "ada (owner, last active 2025-11-21)",
            "carl (no event in the retained audit log)"
        )
        expectVerdict(
            Fixture.run(
                check,
                Fixture.organization,
                base.merging([
                    Self.activity("ada"): Self.event(daysAgo: 1), Self.activity("bob"): Fixture.sso,
                    Self.activity("carl"): Self.event(daysAgo: 1),
                ]) { $1 }
            ),
            .error,
            "activity of bob",
            "SAML SSO"
        )
        // A scan that skipped the follow-up round cannot judge anyone: ERROR, never FAIL.
        expectVerdict(Fixture.run(check, Fixture.organization, base), .error, "not fetched")
        expectVerdict(
            Fixture.run(check, Fixture.organization, [Self.probe: Fixture.ok("[]"), Self.members: Fixture.onlyOwners]),
            .error,
            "members"
        )
    }

    @Test func memberInactiveNeedsEnterpriseAuditLog() {
        let check = AccessChecks.MemberInactive()
        let answers = [Self.probe: Fixture.notFound, Self.members: Self.users("ada"), Self.owners: Self.users("ada")]
        expectVerdict(Fixture.run(check, Fixture.organization, answers), .notApplicable, "Enterprise Cloud")
        let firstRound = CheckInput(
            target: Fixture.organization,
            answers: Dictionary(uniqueKeysWithValues: check.requests(for: Fixture.organization).map { ($0, answers[$0.path]!) }),
            now: Fixture.now
        )
        #expect(check.followUpRequests(firstRound).isEmpty)
    }

    // MARK: pat_hygiene

    static let tokens = "/orgs/acme/personal-access-tokens"
    static let credentials = "/orgs/acme/credential-authorizations"

    static func token(name: String, expires: String?, used: String?, expired: Bool = false) -> String {
        let expiresField = expires.map { #""\#($0)""# } ?? "null"
        let usedField = used.map { #""\#($0)""# } ?? "null"
        return
            #"{"id":1,"owner":{"login":"ada"},"token_name":"\#(name)","token_expired":\#(expired),"token_expires_at":\#(expiresField),"token_last_used_at":\#(usedField),"access_granted_at":"\#(Fixture.daysAgo(200))"}"#
    }

    @Test func tokenHygiene() {
        let check = AccessChecks.TokenHygiene()
        let fresh = Self.token(name: "deploy", expires: "2026-06-01T00:00:00Z", used: Fixture.daysAgo(5))
        expectVerdict(
            Fixture.run(check, Fixture.organization, [Self.tokens: Fixture.ok("[\(fresh)]"), Self.credentials: Fixture.notFound]),
            .pass,
            "(1 fine-grained token) expires",
            "does not use SAML SSO"
        )
        expectVerdict(
            Fixture.run(
                check,
                Fixture.organization,
                [
                    Self.tokens: Fixture.ok(
                        "[\(Self.token(name: "forever", expires: nil, used: Fixture.daysAgo(1))),\(Self.token(name: "old", expires: "2026-06-01T00:00:00Z", used: nil))]"
                    ),
                    Self.credentials: Fixture.ok(
                        #"[{"login":"bob","credential_type":"personal access token","token_last_eight":"abcd1234","credential_authorized_at":"2024-01-01T00:00:00Z","credential_accessed_at":"2025-01-01T00:00:00Z","authorized_credential_expires_at":"2027-01-01T00:00:00Z"}]"#
                    ),
                ]
            ),
            .fail,
            "ada's token \"forever\" never expires",
            "ada's token \"old\" never used since",
            "bob's personal access token …abcd1234 unused since 2025-01-01"
        )
        expectVerdict(
            Fixture.run(check, Fixture.organization, [Self.tokens: Fixture.noTokenAccess, Self.credentials: Fixture.notFound]),
            .notApplicable,
            "GitHub App"
        )
        expectVerdict(
            Fixture.run(check, Fixture.organization, [Self.tokens: Fixture.noIntegrationAccess, Self.credentials: Fixture.ok("[]")]),
            .error,
            "fine-grained tokens",
            "administration=read"
        )
    }

    // MARK: deploy_keys_read_only

    static let keys = "/repos/acme/api/keys"

    @Test func deployKeysReadOnly() {
        let check = AccessChecks.DeployKeysReadOnly()
        expectVerdict(Fixture.run(check, Fixture.target(), [Self.keys: Fixture.ok("[]")]), .pass, "no deploy keys")
        expectVerdict(
            Fixture.run(
                check,
                Fixture.target(),
                [
                    Self.keys: Fixture.ok(
                        #"[{"id":7,"title":"ci","read_only":true,"last_used":"\#(Fixture.daysAgo(200))"},{"id":8,"title":"mirror","read_only":true}]"#
                    )
                ]
            ),
            .pass,
            "All 2 deploy keys",
            "unused for over 90 days: \"ci\" (id 7)"
        )
        expectVerdict(
            Fixture.run(
                check,
                Fixture.target(),
                [Self.keys: Fixture.ok(#"[{"id":7,"title":"ci","read_only":true},{"id":9,"title":"release-bot","read_only":false}]"#)]
            ),
            .fail,
            "1 deploy key with write access: \"release-bot\" (id 9)"
        )
        expectVerdict(
            Fixture.run(check, Fixture.target(Fixture.repository(admin: false)), [Self.keys: Fixture.notFound]),
            .error,
            "deploy keys"
        )
        expectVerdict(Fixture.run(check, Fixture.target(Fixture.repository(archived: true)), [:]), .notApplicable, "archived")
    }
}
