import Foundation

extension BranchProtectionChecks {
    /// The rules bind administrators too: classic `enforce_admins`, or rulesets without bypass actors.
    struct EnforceAdmins: BranchRuleCheck {
        let definition = CheckDefinition(
            id: "bp_enforce_admins",
            title: "Branch rules apply to administrators",
            severity: .medium,
            scope: .repository,
            family: .repository,
            rationale: "If administrators (or listed bypass actors) are exempt, the change-management control depends on "
                + "the people with the most power choosing to follow it.",
            remediation: "In the default branch's rulesets, remove entries from \"Bypass list\" (classic: enable \"Do not "
                + "allow bypassing the above settings\" / \"Include administrators\").",
            controls: BranchProtectionChecks.controls(iso27001: ["A.8.32", "A.8.2"], soc2: ["CC8.1", "CC6.3"])
        )

        /// Each ruleset applying to the branch, in full, for its `bypass_actors`; not needed when
        /// classic protection already binds administrators.
        func followUpRequests(_ input: CheckInput, repository: RepositoryFacts) -> [CheckRequest] {
            let classic = input.answer(BranchProtectionChecks.protection(repository)).object
            if classic?.bool(at: "enforce_admins", "enabled") == true { return [] }
            let rules = BranchRules(items: input.answer(BranchProtectionChecks.rules(repository)).items() ?? [])
            return rules.rulesetIDs.map { BranchProtectionChecks.ruleset(repository, id: $0) }
        }

        func classic(_ protection: [String: Any]) -> RuleFinding {
            guard let enforced = protection.bool(at: "enforce_admins", "enabled") else {
                return .unknown("GitHub did not show enforce_admins of the classic protection")
            }
            return enforced
                ? .satisfied("classic protection applies to administrators")
                : .violated("classic protection exempts administrators (enforce_admins false)")
        }

        func rulesets(_ rules: BranchRules, input: CheckInput, repository: RepositoryFacts) -> RuleFinding {
            let ids = rules.rulesetIDs
            if ids.isEmpty { return .violated("no ruleset applies") }
            var bypassed: [String] = []
            for id in ids {
                let answer = input.answer(BranchProtectionChecks.ruleset(repository, id: id))
                if let error = answer.error {
                    return .unknown(CheckVerdict.couldNotSee(error, what: "ruleset \(id)").sentence.dropLastPeriod())
                }
                guard let actors = answer.object?["bypass_actors"] as? [[String: Any]] else {
                    return .unknown("GitHub did not show the bypass actors of ruleset \(id) (they are shown to admins only)")
                }
                if !actors.isEmpty {
                    bypassed.append("ruleset \(id) lets \(RulesetsEnforced.describe(actors)) bypass it")
                }
            }
            return bypassed.isEmpty
                ? .satisfied("\(Sentence.count(ids.count, "ruleset")) (\(Sentence.list(ids.map(String.init)))) apply with no bypass actors")
                : .violated(Sentence.list(bypassed, limit: 3))
        }
    }

    /// Force pushes are blocked.
    struct NoForcePush: BranchRuleCheck {
        let definition = CheckDefinition(
            id: "bp_no_force_push",
            title: "Force pushes to the default branch are blocked",
            severity: .high,
            scope: .repository,
            family: .repository,
            rationale: "A force push rewrites the default branch's history, erasing reviewed commits and the audit trail "
                + "of what was deployed.",
            remediation: "In the default branch's ruleset, enable \"Block force pushes\" (classic: leave \"Allow force "
                + "pushes\" off).",
            controls: BranchProtectionChecks.controls(iso27001: ["A.8.32", "A.8.4"])
        )

        func classic(_ protection: [String: Any]) -> RuleFinding {
            // A protected branch refuses force pushes unless allow_force_pushes is switched on.
            protection.bool(at: "allow_force_pushes", "enabled") == true
                ? .violated("classic protection allows force pushes")
                : .satisfied("classic protection blocks force pushes")
        }

        func rulesets(_ rules: BranchRules, input: CheckInput, repository: RepositoryFacts) -> RuleFinding {
            rules.ofType("non_fast_forward").first.map { .satisfied("\(BranchRules.source($0)) blocks force pushes") }
                ?? .violated("no ruleset blocks force pushes")
        }
    }

    /// Branch deletion is blocked.
    struct NoDeletion: BranchRuleCheck {
        let definition = CheckDefinition(
            id: "bp_no_deletion",
            title: "Deletion of the default branch is blocked",
            severity: .high,
            scope: .repository,
            family: .repository,
            rationale: "Deleting the default branch destroys the reviewed line of history and breaks every deployment "
                + "that builds from it.",
            remediation: "In the default branch's ruleset, enable \"Restrict deletions\" (classic: leave \"Allow "
                + "deletions\" off).",
            controls: BranchProtectionChecks.controls(iso27001: ["A.8.32", "A.8.4"])
        )

        func classic(_ protection: [String: Any]) -> RuleFinding {
            protection.bool(at: "allow_deletions", "enabled") == true
                ? .violated("classic protection allows deleting the branch")
                : .satisfied("classic protection blocks deleting the branch")
        }

        func rulesets(_ rules: BranchRules, input: CheckInput, repository: RepositoryFacts) -> RuleFinding {
            rules.ofType("deletion").first.map { .satisfied("\(BranchRules.source($0)) blocks deletion") }
                ?? .violated("no ruleset restricts deletion")
        }
    }

    /// Commits must carry verified signatures. Read from the protection object's
    /// `required_signatures`, the same value `…/protection/required_signatures` answers.
    struct SignedCommits: BranchRuleCheck {
        let definition = CheckDefinition(
            id: "bp_signed_commits",
            title: "Signed commits required",
            severity: .low,
            scope: .repository,
            family: .repository,
            rationale: "Git author names are free text; verified signatures tie each commit on the default branch to a key "
                + "its author controls.",
            remediation: "In the default branch's ruleset, enable \"Require signed commits\" (classic: \"Require signed "
                + "commits\"), after contributors have set up GPG, SSH or S/MIME signing.",
            controls: BranchProtectionChecks.controls(iso27001: ["A.8.24", "A.8.32"])
        )

        func classic(_ protection: [String: Any]) -> RuleFinding {
            protection.bool(at: "required_signatures", "enabled") == true
                ? .satisfied("classic protection requires signed commits")
                : .violated("classic protection does not require signed commits")
        }

        func rulesets(_ rules: BranchRules, input: CheckInput, repository: RepositoryFacts) -> RuleFinding {
            rules.ofType("required_signatures").first.map { .satisfied("\(BranchRules.source($0)) requires signed commits") }
                ?? .violated("no ruleset requires signed commits")
        }
    }

    /// Merge commits are refused, keeping history linear.
    struct LinearHistory: BranchRuleCheck {
        let definition = CheckDefinition(
            id: "bp_linear_history",
            title: "Linear history required",
            severity: .low,
            scope: .repository,
            family: .repository,
            rationale: "A linear history makes each change on the default branch one reviewable, revertible step, which "
                + "keeps the change record auditable.",
            remediation: "In the default branch's ruleset, enable \"Require linear history\" (classic: \"Require linear "
                + "history\").",
            controls: BranchProtectionChecks.controls()
        )

        func classic(_ protection: [String: Any]) -> RuleFinding {
            protection.bool(at: "required_linear_history", "enabled") == true
                ? .satisfied("classic protection requires linear history")
                : .violated("classic protection does not require linear history")
        }

        func rulesets(_ rules: BranchRules, input: CheckInput, repository: RepositoryFacts) -> RuleFinding {
            rules.ofType("required_linear_history").first.map { .satisfied("\(BranchRules.source($0)) requires linear history") }
                ?? .violated("no ruleset requires linear history")
        }
    }
}
