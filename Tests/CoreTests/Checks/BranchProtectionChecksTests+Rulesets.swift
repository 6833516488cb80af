import Foundation
import Testing

@testable import Core

extension BranchProtectionChecksTests {
    static let rulesetsPath = "/repos/acme/api/rulesets?includes_parents=true"

    static let rulesetList = Fixture.ok(
        #"[{"id":7,"name":"protect main","target":"branch","source_type":"Repository","source":"acme/api","enforcement":"active"},{"id":9,"name":"tags","target":"tag","source_type":"Organization","source":"acme","enforcement":"active"}]"#
    )

    @Test func rulesetsEnforcedPasses() {
        let check = BranchProtectionChecks.RulesetsEnforced()
        let pullRequestBypass = #"[{"actor_id":3,"actor_type":"Team","bypass_mode":"pull_request"}]"#
        expectVerdict(
            Fixture.run(
                check,
                Fixture.target(),
                [Self.rulesetsPath: Self.rulesetList, "/repos/acme/api/rulesets/7": Self.ruleset(id: 7, bypass: pullRequestBypass)]
            ),
            .pass,
            "every applying ruleset (\"protect main\" (7)) is active with no standing bypass"
        )
        // Only the branch ruleset is read in full; the tag ruleset is not asked for.
        let firstRound = CheckInput(
            target: Fixture.target(),
            answers: [CheckRequest(Self.rulesetsPath, allPages: true): Self.rulesetList],
            now: Fixture.now
        )
        #expect(check.followUpRequests(firstRound).map(\.path) == ["/repos/acme/api/rulesets/7"])
    }

    @Test func rulesetsEnforcedFails() {
        let check = BranchProtectionChecks.RulesetsEnforced()
        expectVerdict(
            Fixture.run(
                check,
                Fixture.target(),
                [Self.rulesetsPath: Self.rulesetList, "/repos/acme/api/rulesets/7": Self.ruleset(id: 7, enforcement: "evaluate")]
            ),
            .fail,
            "\"protect main\" (7) is evaluate, not active"
        )
        expectVerdict(
            Fixture.run(
                check,
                Fixture.target(),
                [
                    Self.rulesetsPath: Self.rulesetList,
                    "/repos/acme/api/rulesets/7": Self.ruleset(
                        id: 7,
                        bypass: #"[{"actor_id":1,"actor_type":"OrganizationAdmin","bypass_mode":"always"}]"#
                    ),
                ]
            ),
            .fail,
            "lets OrganizationAdmin 1 (always) bypass it"
        )
    }

    @Test func rulesetsEnforcedNotApplicable() {
        let check = BranchProtectionChecks.RulesetsEnforced()
        expectVerdict(
            Fixture.run(check, Fixture.target(), [Self.rulesetsPath: Fixture.ok("[]")]),
            .notApplicable,
            "No ruleset targets acme/api@main"
        )
        expectVerdict(
            Fixture.run(
                check,
                Fixture.target(),
                [
                    Self.rulesetsPath: Self.rulesetList,
                    "/repos/acme/api/rulesets/7": Self.ruleset(id: 7, enforcement: "disabled", include: #"["refs/heads/release/*"]"#),
                ]
            ),
            .notApplicable,
            "No ruleset targets"
        )
        expectVerdict(
            Fixture.run(check, Fixture.target(), [Self.rulesetsPath: Fixture.upgrade]),
            .notApplicable,
            "not available on this plan"
        )
        expectVerdict(Fixture.run(check, Fixture.target(Fixture.repository(archived: true)), [:]), .notApplicable, "archived")
    }

    @Test func rulesetsEnforcedCannotSee() {
        let check = BranchProtectionChecks.RulesetsEnforced()
        expectVerdict(
            Fixture.run(
                check,
                Fixture.target(),
                [Self.rulesetsPath: Self.rulesetList, "/repos/acme/api/rulesets/7": Self.ruleset(id: 7, bypass: nil)]
            ),
            .error,
            "bypass actors of \"protect main\" (7)"
        )
        expectVerdict(
            Fixture.run(check, Fixture.target(), [Self.rulesetsPath: Self.rulesetList, "/repos/acme/api/rulesets/7": Fixture.notFound]),
            .error,
            "Could not read ruleset 7: Not Found"
        )
        expectVerdict(
            Fixture.run(check, Fixture.target(), [Self.rulesetsPath: Fixture.noIntegrationAccess]),
            .error,
            "rulesets of acme/api"
        )
    }

    @Test func rulesetConditionsSelectTheDefaultBranch() {
        func applies(_ include: [String], _ exclude: [String] = [], branch: String = "main") -> Bool {
            BranchProtectionChecks.RulesetsEnforced.applies(
                ["conditions": ["ref_name": ["include": include, "exclude": exclude]]],
                to: branch
            )
        }
        #expect(applies(["~DEFAULT_BRANCH"]))
        #expect(applies(["~ALL"]))
        #expect(applies([]))
        #expect(applies(["refs/heads/main"]))
        #expect(applies(["refs/heads/*"]))
        #expect(!applies(["refs/heads/*"], branch: "release/1.x"))
        #expect(applies(["refs/heads/**"], branch: "release/1.x"))
        #expect(applies(["refs/heads/release/*"], branch: "release/1.x"))
        #expect(applies(["refs/heads/ma?n"]))
        #expect(!applies(["refs/heads/dev"]))
        #expect(!applies(["~ALL"], ["refs/heads/main"]))
        #expect(!applies([], ["~DEFAULT_BRANCH"]))
    }
}
