import Foundation

extension BranchProtectionChecks {
    /// Classic protection exists, or a ruleset restricts pull requests, force pushes or deletion.
    struct DefaultBranchProtected: BranchRuleCheck {
        /// Ruleset rules that make a branch "protected" for this check.
        static let protectingRules = ["pull_request", "non_fast_forward", "deletion"]

        let definition = CheckDefinition(
            id: "bp_default_branch_protected",
            title: "Default branch is protected (classic protection or ruleset)",
            severity: .high,
            scope: .repository,
            family: .repository,
            rationale: "An unprotected default branch accepts any push from anyone with write access: unreviewed code, "
                + "rewritten history or deletion reach production unchecked.",
            remediation: "In the repository's Settings → Rules → Rulesets, add a branch ruleset targeting the default branch "
                + "(or Settings → Branches → Add branch protection rule) that requires pull requests and blocks force "
                + "pushes and deletion.",
            controls: BranchProtectionChecks.controls(iso27001: ["A.8.32", "A.8.4"])
        )

        func classic(_ protection: [String: Any]) -> RuleFinding {
            .satisfied("classic branch protection is enabled")
        }

        func rulesets(_ rules: BranchRules, input: CheckInput, repository: RepositoryFacts) -> RuleFinding {
            let protecting = rules.items.filter { Self.protectingRules.contains($0["type"] as? String ?? "") }
            if protecting.isEmpty {
                let types = rules.items.compactMap { $0["type"] as? String }
                return .violated(types.isEmpty ? "no ruleset applies" : "rulesets only apply \(Sentence.list(types))")
            }
            let described = protecting.map { "\($0["type"] as? String ?? "?") from \(BranchRules.source($0))" }
            return .satisfied("rulesets apply \(Sentence.list(described))")
        }
    }

    /// At least `minimumApprovals` approving reviews before merge.
    struct RequiredReviews: BranchRuleCheck {
        /// Approvals needed (a strict profile asks for 2).
        static let minimumApprovals = 1

        let definition = CheckDefinition(
            id: "bp_required_reviews",
            title: "At least one approving review before merge",
            severity: .high,
            scope: .repository,
            family: .repository,
            rationale: "A required approving review is the four-eyes control of change management: no single person "
                + "can put code on the default branch alone.",
            remediation: "In the default branch's ruleset, enable \"Require a pull request before merging\" with at least "
                + "one required approval (classic: Settings → Branches → rule → \"Require approvals\").",
            controls: BranchProtectionChecks.controls(iso27001: ["A.8.32", "A.5.3"])
        )

        func classic(_ protection: [String: Any]) -> RuleFinding {
            guard let reviews = protection["required_pull_request_reviews"] as? [String: Any] else {
                return .violated("classic protection does not require pull request reviews")
            }
            guard let count = reviews["required_approving_review_count"] as? Int else {
                return .unknown("classic protection requires reviews but GitHub did not show required_approving_review_count")
            }
            return count >= Self.minimumApprovals
                ? .satisfied("classic protection requires \(Sentence.count(count, "approving review"))")
                : .violated("classic protection requires \(Sentence.count(count, "approving review"))")
        }

        func rulesets(_ rules: BranchRules, input: CheckInput, repository: RepositoryFacts) -> RuleFinding {
            let counts = rules.ofType("pull_request").map { ($0.int(at: "parameters", "required_approving_review_count") ?? 0, $0) }
            guard let best = counts.max(by: { $0.0 < $1.0 }) else { return .violated("no ruleset requires a pull request") }
            let text = "\(BranchRules.source(best.1)) requires \(Sentence.count(best.0, "approving review"))"
            return best.0 >= Self.minimumApprovals ? .satisfied(text) : .violated(text)
        }
    }

    /// New pushes dismiss earlier approvals.
    struct DismissStaleReviews: BranchRuleCheck {
        let definition = CheckDefinition(
            id: "bp_dismiss_stale_reviews",
            title: "New pushes dismiss earlier approvals",
            severity: .medium,
            scope: .repository,
            family: .repository,
            rationale: "If approvals survive new commits, an author can get a harmless change approved and then push "
                + "anything before merging.",
            remediation: "In the default branch's ruleset, enable \"Dismiss stale pull request approvals when new commits "
                + "are pushed\" (classic: \"Dismiss stale pull request approvals\"); consider \"Require approval of the "
                + "most recent reviewable push\" too.",
            controls: BranchProtectionChecks.controls()
        )

        func classic(_ protection: [String: Any]) -> RuleFinding {
            guard let reviews = protection["required_pull_request_reviews"] as? [String: Any] else {
                return .violated("classic protection does not require pull request reviews")
            }
            guard let dismiss = reviews["dismiss_stale_reviews"] as? Bool else {
                return .unknown("GitHub did not show dismiss_stale_reviews of the classic protection (it is shown to admins only)")
            }
            let lastPush = (reviews["require_last_push_approval"] as? Bool).map { ", require_last_push_approval is \($0)" } ?? ""
            return dismiss
                ? .satisfied("classic protection dismisses stale approvals\(lastPush)")
                : .violated("classic protection keeps approvals after new pushes (dismiss_stale_reviews false\(lastPush))")
        }

        func rulesets(_ rules: BranchRules, input: CheckInput, repository: RepositoryFacts) -> RuleFinding {
            let pullRequests = rules.ofType("pull_request")
            if let rule = pullRequests.first(where: { $0.bool(at: "parameters", "dismiss_stale_reviews_on_push") == true }) {
                let lastPush =
                    rule.bool(at: "parameters", "require_last_push_approval").map { ", require_last_push_approval is \($0)" } ?? ""
                return .satisfied("\(BranchRules.source(rule)) dismisses stale approvals on push\(lastPush)")
            }
            return .violated(pullRequests.isEmpty ? "no ruleset requires a pull request" : "no ruleset dismisses stale approvals on push")
        }
    }

    /// Code-owner review is required, and the CODEOWNERS file it relies on is valid.
    struct CodeOwnerReviews: BranchRuleCheck {
        let definition = CheckDefinition(
            id: "bp_code_owner_reviews",
            title: "Code-owner review required",
            severity: .medium,
            scope: .repository,
            family: .repository,
            rationale: "Code-owner review makes the people accountable for sensitive paths approve changes to them; it "
                + "silently does nothing without a valid CODEOWNERS file.",
            remediation: "Add a valid CODEOWNERS file (in .github/, the root or docs/) and, in the default branch's ruleset, "
                + "enable \"Require review from Code Owners\" (classic: \"Require review from Code Owners\").",
            controls: BranchProtectionChecks.controls(iso27001: ["A.8.32", "A.5.2"])
        )

        func requests(for repository: RepositoryFacts, organization: String) -> [CheckRequest] {
            BranchProtectionChecks.requests(repository, organization: organization) + [SecurityChecks.codeowners(repository)]
        }

        func classic(_ protection: [String: Any]) -> RuleFinding {
            guard let reviews = protection["required_pull_request_reviews"] as? [String: Any] else {
                return .violated("classic protection does not require pull request reviews")
            }
            guard let required = reviews["require_code_owner_reviews"] as? Bool else {
                return .unknown("GitHub did not show require_code_owner_reviews of the classic protection")
            }
            return required
                ? .satisfied("classic protection requires code-owner review")
                : .violated("classic protection does not require code-owner review")
        }

        func rulesets(_ rules: BranchRules, input: CheckInput, repository: RepositoryFacts) -> RuleFinding {
            if let rule = rules.ofType("pull_request").first(where: { $0.bool(at: "parameters", "require_code_owner_review") == true }) {
                return .satisfied("\(BranchRules.source(rule)) requires code-owner review")
            }
            return .violated("no ruleset requires code-owner review")
        }

        func evaluate(_ input: CheckInput, repository: RepositoryFacts) -> CheckVerdict {
            let verdict = branchVerdict(input, repository: repository)
            guard verdict.status == .pass else { return verdict }
            // The review requirement is only as good as the file naming the owners.
            let seen = verdict.sentence.dropLastPeriod()
            switch SecurityChecks.CodeownersPresent.state(input.answer(SecurityChecks.codeowners(repository))) {
            case .valid: return .pass(seen + ", and CODEOWNERS is valid.")
            case .missing: return .fail(seen + ", but the repository has no CODEOWNERS file.")
            case .invalid(let errors): return .fail(seen + ", but CODEOWNERS has errors: \(errors).")
            case .unseen(let error): return .couldNotSee(error, what: "the CODEOWNERS file of \(repository.fullName)")
            }
        }
    }

    /// Status checks must pass, on a branch up to date with the base, before merge.
    struct RequiredStatusChecks: BranchRuleCheck {
        let definition = CheckDefinition(
            id: "bp_required_status_checks",
            title: "Required status checks before merge",
            severity: .medium,
            scope: .repository,
            family: .repository,
            rationale: "Required checks make tests and scanners a gate instead of advice; requiring the branch to be up to "
                + "date means they ran against the code that will actually be merged.",
            remediation: "In the default branch's ruleset, enable \"Require status checks to pass\" with your CI checks and "
                + "\"Require branches to be up to date before merging\" (classic: \"Require status checks to pass before "
                + "merging\" + \"Require branches to be up to date\").",
            controls: BranchProtectionChecks.controls(iso27001: ["A.8.29", "A.8.32"])
        )

        func classic(_ protection: [String: Any]) -> RuleFinding {
            guard let required = protection["required_status_checks"] as? [String: Any] else {
                return .violated("classic protection requires no status checks")
            }
            let contexts =
                (required["checks"] as? [[String: Any]])?.compactMap { $0["context"] as? String }
                ?? required["contexts"] as? [String] ?? []
            if contexts.isEmpty { return .violated("classic protection lists no required status checks") }
            guard let strict = required["strict"] as? Bool else {
                return .unknown("GitHub did not show whether classic protection requires up-to-date branches (strict)")
            }
            return strict
                ? .satisfied("classic protection requires \(Sentence.list(contexts)) on up-to-date branches")
                : .violated("classic protection requires \(Sentence.list(contexts)) but not up-to-date branches (strict false)")
        }

        func rulesets(_ rules: BranchRules, input: CheckInput, repository: RepositoryFacts) -> RuleFinding {
            let rules = rules.ofType("required_status_checks")
            let described = rules.map { rule -> (Bool, String) in
                let contexts = (rule.value(at: ["parameters", "required_status_checks"]) as? [[String: Any]] ?? [])
                    .compactMap { $0["context"] as? String }
                let strict = rule.bool(at: "parameters", "strict_required_status_checks_policy") == true
                let text = "\(BranchRules.source(rule)) requires \(Sentence.list(contexts))"
                return (!contexts.isEmpty && strict, strict ? text + " on up-to-date branches" : text + " but not up-to-date branches")
            }
            if let match = described.first(where: { $0.0 }) { return .satisfied(match.1) }
            return .violated(described.first?.1 ?? "no ruleset requires status checks")
        }
    }
}
