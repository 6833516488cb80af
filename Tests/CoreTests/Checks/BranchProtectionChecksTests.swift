import Foundation
import Testing

@testable import Core

@Suite("Branch protection checks")
struct BranchProtectionChecksTests {
    static let protectionPath = "/repos/acme/api/branches/main/protection"
    static let rulesPath = "/repos/acme/api/rules/branches/main"

    /// The reference's classic protection object; `overrides` replace top-level keys (nil removes one).
    static func protection(_ overrides: [String: String?] = [:]) -> CheckAnswer {
        var fields: [String: String] = [
            "url": #""https://api.github.com/repos/acme/api/branches/main/protection""#,
            "required_status_checks": #"{"strict":true,"contexts":["ci/test"],"checks":[{"context":"ci/test","app_id":15368}]}"#,
            "required_pull_request_reviews":
                #"{"dismissal_restrictions":{"users":[],"teams":[],"apps":[]},"dismiss_stale_reviews":true,"require_code_owner_reviews":true,"required_approving_review_count":2,"require_last_push_approval":true}"#,
            "required_signatures": #"{"enabled":false}"#,
            "enforce_admins": #"{"enabled":true}"#,
            "required_linear_history": #"{"enabled":true}"#,
            "allow_force_pushes": #"{"enabled":false}"#,
            "allow_deletions": #"{"enabled":false}"#,
        ]
        for (key, value) in overrides { fields[key] = value }
        return Fixture.ok("{" + fields.map { "\"\($0.key)\":\($0.value)" }.joined(separator: ",") + "}")
    }

    static func rule(_ type: String, _ parameters: String? = nil, id: Int = 42, source: String = "acme") -> String {
        let parameterField = parameters.map { #","parameters":\#($0)"# } ?? ""
        return
            #"{"type":"\#(type)"\#(parameterField),"ruleset_source_type":"Organization","ruleset_source":"\#(source)","ruleset_id":\#(id)}"#
    }

    static func rules(_ rules: String...) -> CheckAnswer { Fixture.ok("[" + rules.joined(separator: ",") + "]") }

    static func pullRequest(count: Int = 1, dismiss: Bool = false, codeOwner: Bool = false) -> String {
        rule(
            "pull_request",
            #"{"required_approving_review_count":\#(count),"dismiss_stale_reviews_on_push":\#(dismiss),"require_code_owner_review":\#(codeOwner),"require_last_push_approval":false,"required_review_thread_resolution":false}"#,
            id: 7,
            source: "acme/api"
        )
    }

    /// One branch rule, with answers that satisfy and violate it on each side.
    struct Case: Sendable, CustomTestStringConvertible {
        let check: any ComplianceCheck
        let classicPass: CheckAnswer
        let classicFail: CheckAnswer
        let rulesPass: CheckAnswer
        let rulesFail: CheckAnswer
        let classicWords: String
        let rulesWords: String
        let failWords: String

        var testDescription: String { check.definition.id }
    }

    static let cases: [Case] = [
        Case(
            check: BranchProtectionChecks.DefaultBranchProtected(),
            classicPass: protection(),
            classicFail: Fixture.branchNotProtected,
            rulesPass: rules(rule("deletion")),
            rulesFail: rules(rule("required_signatures")),
            classicWords: "classic branch protection is enabled",
            rulesWords: "rulesets apply deletion from ruleset 42 (acme)",
            failWords: "rulesets only apply required_signatures"
        ),
        Case(
            check: BranchProtectionChecks.RequiredReviews(),
            classicPass: protection(),
            classicFail: protection(["required_pull_request_reviews": nil]),
            rulesPass: rules(pullRequest(count: 1)),
            rulesFail: rules(pullRequest(count: 0)),
            classicWords: "classic protection requires 2 approving reviews",
            rulesWords: "ruleset 7 (acme/api) requires 1 approving review",
            failWords: "classic protection does not require pull request reviews; ruleset 7 (acme/api) requires 0 approving reviews"
        ),
        Case(
            check: BranchProtectionChecks.DismissStaleReviews(),
            classicPass: protection(),
            classicFail: protection([
                "required_pull_request_reviews":
                    #"{"dismiss_stale_reviews":false,"require_last_push_approval":false,"required_approving_review_count":1}"#
            ]),
            rulesPass: rules(pullRequest(dismiss: true)),
            rulesFail: rules(pullRequest(dismiss: false)),
            classicWords: "classic protection dismisses stale approvals, require_last_push_approval is true",
            rulesWords: "ruleset 7 (acme/api) dismisses stale approvals on push",
            failWords: "dismiss_stale_reviews false"
        ),
        Case(
            check: BranchProtectionChecks.RequiredStatusChecks(),
            classicPass: protection(),
            classicFail: protection([
                "required_status_checks": #"{"strict":false,"contexts":["ci/test"],"checks":[{"context":"ci/test","app_id":1}]}"#
            ]),
            rulesPass: rules(
                rule(
                    "required_status_checks",
                    #"{"required_status_checks":[{"context":"build","integration_id":1}],"strict_required_status_checks_policy":true}"#
                )
            ),
            rulesFail: rules(
                rule(
                    "required_status_checks",
                    #"{"required_status_checks":[{"context":"build"}],"strict_required_status_checks_policy":false}"#
                )
            ),
            classicWords: "classic protection requires ci/test on up-to-date branches",
            rulesWords: "ruleset 42 (acme) requires build on up-to-date branches",
            failWords: "requires ci/test but not up-to-date branches (strict false)"
        ),
        Case(
            check: BranchProtectionChecks.NoForcePush(),
            classicPass: protection(["allow_force_pushes": nil]),
            classicFail: protection(["allow_force_pushes": #"{"enabled":true}"#]),
            rulesPass: rules(rule("non_fast_forward")),
            rulesFail: rules(rule("deletion")),
            classicWords: "classic protection blocks force pushes",
            rulesWords: "ruleset 42 (acme) blocks force pushes",
            failWords: "classic protection allows force pushes; no ruleset blocks force pushes"
        ),
        Case(
            check: BranchProtectionChecks.NoDeletion(),
            classicPass: protection(),
            classicFail: protection(["allow_deletions": #"{"enabled":true}"#]),
            rulesPass: rules(rule("deletion")),
            rulesFail: rules(rule("non_fast_forward")),
            classicWords: "classic protection blocks deleting the branch",
            rulesWords: "ruleset 42 (acme) blocks deletion",
            failWords: "classic protection allows deleting the branch; no ruleset restricts deletion"
        ),
        Case(
            check: BranchProtectionChecks.SignedCommits(),
            classicPass: protection(["required_signatures": #"{"enabled":true}"#]),
            classicFail: protection(),
            rulesPass: rules(rule("required_signatures")),
            rulesFail: rules(rule("deletion")),
            classicWords: "classic protection requires signed commits",
            rulesWords: "ruleset 42 (acme) requires signed commits",
            failWords: "classic protection does not require signed commits; no ruleset requires signed commits"
        ),
        Case(
            check: BranchProtectionChecks.LinearHistory(),
            classicPass: protection(),
            classicFail: protection(["required_linear_history": #"{"enabled":false}"#]),
            rulesPass: rules(rule("required_linear_history")),
            rulesFail: rules(rule("deletion")),
            classicWords: "classic protection requires linear history",
            rulesWords: "ruleset 42 (acme) requires linear history",
            failWords: "classic protection does not require linear history"
        ),
    ]

    func run(_ check: any ComplianceCheck, classic: CheckAnswer, rules: CheckAnswer, repository: RepositoryFacts = Fixture.repository())
        -> CheckVerdict
    {
        Fixture.run(check, Fixture.target(repository), [Self.protectionPath: classic, Self.rulesPath: rules])
    }

    @Test(arguments: cases) func passesOnClassicProtection(_ rule: Case) {
        expectVerdict(run(rule.check, classic: rule.classicPass, rules: Self.rules()), .pass, "On acme/api@main, \(rule.classicWords)")
    }

    @Test(arguments: cases) func passesOnRulesetsAlone(_ rule: Case) {
        expectVerdict(run(rule.check, classic: Fixture.branchNotProtected, rules: rule.rulesPass), .pass, rule.rulesWords)
        // Rulesets satisfy the rule even when the classic side cannot be read at all.
        expectVerdict(run(rule.check, classic: Fixture.noIntegrationAccess, rules: rule.rulesPass), .pass, rule.rulesWords)
    }

    @Test(arguments: cases) func failsWhenNeitherSourceSatisfies(_ rule: Case) {
        expectVerdict(run(rule.check, classic: rule.classicFail, rules: rule.rulesFail), .fail, rule.failWords)
        expectVerdict(
            run(rule.check, classic: Fixture.branchNotProtected, rules: Self.rules()),
            .fail,
            "the branch has no classic protection",
            "no ruleset"
        )
    }

    @Test(arguments: cases) func errorsWhenASourceCannotBeSeen(_ rule: Case) {
        // A plain 404 hides classic protection from a non-admin: decide from rules, else ERROR.
        expectVerdict(
            run(rule.check, classic: Fixture.notFound, rules: rule.rulesFail, repository: Fixture.repository(admin: false)),
            .error,
            "Could not read the classic protection of acme/api@main: Not Found"
        )
        expectVerdict(run(rule.check, classic: Fixture.noIntegrationAccess, rules: rule.rulesFail), .error, "administration=read")
        expectVerdict(run(rule.check, classic: rule.classicFail, rules: Fixture.sso), .error, "rulesets of acme/api@main", "SAML SSO")
        expectVerdict(run(rule.check, classic: rule.classicFail, rules: Fixture.rateLimited), .error, "rate limit")
    }

    @Test(arguments: cases) func notApplicableOnPlansWithoutProtection(_ rule: Case) {
        expectVerdict(run(rule.check, classic: Fixture.upgrade, rules: Fixture.upgrade), .notApplicable, "Upgrade to GitHub Pro")
        expectVerdict(run(rule.check, classic: Fixture.upgrade, rules: rule.rulesFail), .notApplicable, "not available")
        expectVerdict(Fixture.run(rule.check, Fixture.target(Fixture.repository(archived: true)), [:]), .notApplicable, "archived")
    }

    @Test func sharedRequestsAreDeclaredIdentically() {
        let target = Fixture.target()
        for check in BranchProtectionChecks.all where check is any BranchRuleCheck {
            let requests = Set(check.requests(for: target))
            #expect(requests.contains(CheckRequest(Self.protectionPath)), "\(check.definition.id)")
            #expect(requests.contains(CheckRequest(Self.rulesPath, allPages: true)), "\(check.definition.id)")
            #expect(requests.contains(CheckRequest("/orgs/acme")), "\(check.definition.id)")
        }
        // A branch name with a slash stays one path segment.
        let release = Fixture.target(Fixture.repository(defaultBranch: "release/1.x"))
        #expect(
            BranchProtectionChecks.NoDeletion().requests(for: release).first?.path == "/repos/acme/api/branches/release%2F1.x/protection"
        )
    }

    /// GitHub Apps are told "Resource not accessible by integration" where others read "Upgrade to
    /// GitHub Pro…": on a Free organization's private repository that is a plan gap, elsewhere ERROR.
    @Test func appRefusalOnFreePrivateRepositoryIsAPlanGap() {
        let check = BranchProtectionChecks.RequiredReviews()
        func run(plan: String, repository: RepositoryFacts = Fixture.repository()) -> CheckVerdict {
            Fixture.run(
                check,
                Fixture.target(repository),
                [
                    Self.protectionPath: Fixture.noIntegrationAccess, Self.rulesPath: Fixture.noIntegrationAccess,
                    "/orgs/acme": Fixture.ok(#"{"login":"acme","plan":{"name":"\#(plan)"}}"#),
                ]
            )
        }
        expectVerdict(run(plan: "free"), .notApplicable, "Resource not accessible by integration (the organization is on the free plan)")
        expectVerdict(run(plan: "team"), .error, "administration=read")
        expectVerdict(run(plan: "free", repository: Fixture.repository(visibility: "public")), .error, "administration=read")
    }

    @Test func unknownAdminOnlyFieldIsError() {
        let reviews = #"{"required_approving_review_count":1}"#
        expectVerdict(
            run(
                BranchProtectionChecks.DismissStaleReviews(),
                classic: Self.protection(["required_pull_request_reviews": reviews]),
                rules: Self.rules()
            ),
            .error,
            "did not show dismiss_stale_reviews"
        )
    }

    // MARK: bp_code_owner_reviews

    static let codeownersPath = "/repos/acme/api/codeowners/errors"

    @Test func codeOwnerReviews() {
        let check = BranchProtectionChecks.CodeOwnerReviews()
        let target = Fixture.target()
        let valid = Fixture.ok(#"{"errors":[]}"#)
        expectVerdict(
            Fixture.run(check, target, [Self.protectionPath: Self.protection(), Self.rulesPath: Self.rules(), Self.codeownersPath: valid]),
            .pass,
            "classic protection requires code-owner review, and CODEOWNERS is valid"
        )
        expectVerdict(
            Fixture.run(
                check,
                target,
                [
                    Self.protectionPath: Fixture.branchNotProtected, Self.rulesPath: Self.rules(Self.pullRequest(codeOwner: true)),
                    Self.codeownersPath: valid,
                ]
            ),
            .pass,
            "ruleset 7 (acme/api) requires code-owner review"
        )
        expectVerdict(
            Fixture.run(
                check,
                target,
                [Self.protectionPath: Self.protection(), Self.rulesPath: Self.rules(), Self.codeownersPath: Fixture.notFound]
            ),
            .fail,
            "but the repository has no CODEOWNERS file"
        )
        expectVerdict(
            Fixture.run(
                check,
                target,
                [
                    Self.protectionPath: Self.protection(),
                    Self.rulesPath: Self.rules(),
                    Self.codeownersPath: Fixture.ok(
                        #"{"errors":[{"line":3,"column":1,"kind":"Unknown owner","path":".github/CODEOWNERS"}]}"#
                    ),
                ]
            ),
            .fail,
            "1 error in .github/CODEOWNERS (line 3: Unknown owner)"
        )
        expectVerdict(
            Fixture.run(
                check,
                target,
                [
                    Self.protectionPath: Self.protection(["required_pull_request_reviews": #"{"require_code_owner_reviews":false}"#]),
                    Self.rulesPath: Self.rules(Self.pullRequest()),
                    Self.codeownersPath: valid,
                ]
            ),
            .fail,
            "classic protection does not require code-owner review; no ruleset requires code-owner review"
        )
        expectVerdict(
            Fixture.run(
                check,
                target,
                [Self.protectionPath: Self.protection(), Self.rulesPath: Self.rules(), Self.codeownersPath: Fixture.noTokenAccess]
            ),
            .error,
            "CODEOWNERS"
        )
        expectVerdict(
            Fixture.run(
                check,
                target,
                [Self.protectionPath: Fixture.upgrade, Self.rulesPath: Fixture.upgrade, Self.codeownersPath: valid]
            ),
            .notApplicable,
            "plan"
        )
    }

    // MARK: bp_enforce_admins

    static func ruleset(id: Int, bypass: String? = "[]", enforcement: String = "active", include: String = #"["~DEFAULT_BRANCH"]"#)
        -> CheckAnswer
    {
        let bypassField = bypass.map { #","bypass_actors":\#($0)"# } ?? ""
        return Fixture.ok(
            #"{"id":\#(id),"name":"protect main","target":"branch","source_type":"Repository","source":"acme/api","enforcement":"\#(enforcement)"\#(bypassField),"conditions":{"ref_name":{"include":\#(include),"exclude":[]}},"rules":[{"type":"deletion"}]}"#
        )
    }

    @Test func enforceAdmins() {
        let check = BranchProtectionChecks.EnforceAdmins()
        let target = Fixture.target()
        let twoRulesets = Self.rules(Self.pullRequest(), Self.rule("deletion"))
        expectVerdict(
            Fixture.run(check, target, [Self.protectionPath: Self.protection(), Self.rulesPath: Self.rules()]),
            .pass,
            "classic protection applies to administrators"
        )
        // Rulesets are only read in full when classic protection does not already decide.
        let enforced = CheckInput(
            target: target,
            answers: [
                BranchProtectionChecks.protection(target.repository!): Self.protection(),
                BranchProtectionChecks.rules(target.repository!): twoRulesets,
            ],
            now: Fixture.now
        )
        #expect(check.followUpRequests(enforced).isEmpty)
        expectVerdict(
            Fixture.run(
                check,
                target,
                [
                    Self.protectionPath: Fixture.branchNotProtected, Self.rulesPath: twoRulesets,
                    "/repos/acme/api/rulesets/7": Self.ruleset(id: 7), "/repos/acme/api/rulesets/42": Self.ruleset(id: 42),
                ]
            ),
            .pass,
            "2 rulesets (7, 42) apply with no bypass actors"
        )
        expectVerdict(
            Fixture.run(
                check,
                target,
                [
                    Self.protectionPath: Self.protection(["enforce_admins": #"{"enabled":false}"#]), Self.rulesPath: twoRulesets,
                    "/repos/acme/api/rulesets/7": Self.ruleset(
                        id: 7,
                        bypass: #"[{"actor_id":5,"actor_type":"RepositoryRole","bypass_mode":"always"}]"#
                    ),
                    "/repos/acme/api/rulesets/42": Self.ruleset(id: 42),
                ]
            ),
            .fail,
            "enforce_admins false",
            "ruleset 7 lets RepositoryRole 5 (always) bypass it"
        )
        expectVerdict(
            Fixture.run(
                check,
                target,
                [
                    Self.protectionPath: Self.protection(["enforce_admins": #"{"enabled":false}"#]), Self.rulesPath: twoRulesets,
                    "/repos/acme/api/rulesets/7": Self.ruleset(id: 7, bypass: nil), "/repos/acme/api/rulesets/42": Self.ruleset(id: 42),
                ]
            ),
            .error,
            "bypass actors of ruleset 7",
            "admins only"
        )
        // Without the follow-up round the bypass list is unknown: ERROR, not FAIL.
        expectVerdict(
            Fixture.run(
                check,
                target,
                [Self.protectionPath: Self.protection(["enforce_admins": #"{"enabled":false}"#]), Self.rulesPath: twoRulesets]
            ),
            .error,
            "not fetched"
        )
        expectVerdict(
            Fixture.run(check, target, [Self.protectionPath: Fixture.upgrade, Self.rulesPath: Fixture.upgrade]),
            .notApplicable,
            "plan"
        )
    }
}
