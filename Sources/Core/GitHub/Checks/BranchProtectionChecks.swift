import Foundation

/// Rules on the default branch. Each rule passes if either classic branch protection
/// (`GET …/branches/{b}/protection`) or the active rulesets (`GET …/rules/branches/{b}`) satisfy it:
/// teams move from one to the other, and judging only one calls protected branches unprotected.
/// Every check here declares the same two requests, so the scan fetches them once per repository.
enum BranchProtectionChecks {
    static let all: [any ComplianceCheck] = [
        DefaultBranchProtected(),
        RequiredReviews(),
        DismissStaleReviews(),
        CodeOwnerReviews(),
        RequiredStatusChecks(),
        EnforceAdmins(),
        NoForcePush(),
        NoDeletion(),
        SignedCommits(),
        LinearHistory(),
        RulesetsEnforced(),
    ]

    static func protection(_ repository: RepositoryFacts) -> CheckRequest {
        CheckRequest(CheckPaths.repository(repository) + "/branches/\(CheckPaths.segment(repository.defaultBranch))/protection")
    }

    static func rules(_ repository: RepositoryFacts) -> CheckRequest {
        CheckRequest(CheckPaths.repository(repository) + "/rules/branches/\(CheckPaths.segment(repository.defaultBranch))", allPages: true)
    }

    /// One ruleset in full (`bypass_actors`, `conditions`); `includes_parents` defaults to true, so
    /// organization rulesets that apply to the repository answer too.
    static func ruleset(_ repository: RepositoryFacts, id: Int) -> CheckRequest {
        CheckRequest(CheckPaths.repository(repository) + "/rulesets/\(id)")
    }

    /// What every branch rule reads: classic protection, the active rules, and the organization
    /// (its plan tells a Free plan's refusal from a missing permission).
    static func requests(_ repository: RepositoryFacts, organization: String) -> [CheckRequest] {
        [protection(repository), rules(repository), .organization(organization)]
    }

    /// Whether a refusal means the plan lacks the feature. GitHub says so in words ("Upgrade to
    /// GitHub Pro…"), except to GitHub Apps, which get "Resource not accessible by integration" for
    /// a private repository of a Free organization.
    static func isPlanGap(_ error: GitHubError, repository: RepositoryFacts, plan: String?) -> Bool {
        if error.kind == .planRestricted { return true }
        return error.kind == .forbidden && repository.isPrivate && plan == "free"
            && error.message.lowercased().contains("by integration")
    }

    static func controls(iso27001: [String] = ["A.8.32"], soc2: [String] = ["CC8.1"]) -> ControlMapping {
        ControlMapping(soc2: soc2, iso27001: iso27001)
    }
}

/// How one source (classic protection or rulesets) stands on a rule, in words.
enum RuleFinding {
    case satisfied(String)
    case violated(String)
    /// Seen, but a decisive field was left out (GitHub shows some only to admins).
    case unknown(String)
}

/// The active ruleset rules of the default branch, as `GET …/rules/branches/{b}` lists them.
struct BranchRules {
    let items: [[String: Any]]

    func ofType(_ type: String) -> [[String: Any]] {
        items.filter { $0["type"] as? String == type }
    }

    /// `ruleset 7 (acme/api)`.
    static func source(_ rule: [String: Any]) -> String {
        let id = (rule["ruleset_id"] as? Int).map { "ruleset \($0)" } ?? "a ruleset"
        return (rule["ruleset_source"] as? String).map { "\(id) (\($0))" } ?? id
    }

    var rulesetIDs: [Int] {
        var seen = Set<Int>()
        return items.compactMap { $0["ruleset_id"] as? Int }.filter { seen.insert($0).inserted }
    }
}

/// A rule on the default branch, decided from classic protection or rulesets.
protocol BranchRuleCheck: RepositoryCheck {
    /// The rule against a classic protection object (a missing sub-object means "not configured").
    func classic(_ protection: [String: Any]) -> RuleFinding
    /// The rule against the branch's active ruleset rules.
    func rulesets(_ rules: BranchRules, input: CheckInput, repository: RepositoryFacts) -> RuleFinding
}

extension BranchRuleCheck {
    func requests(for repository: RepositoryFacts, organization: String) -> [CheckRequest] {
        BranchProtectionChecks.requests(repository, organization: organization)
    }

    func evaluate(_ input: CheckInput, repository: RepositoryFacts) -> CheckVerdict {
        branchVerdict(input, repository: repository)
    }

    /// PASS if either source satisfies the rule; NOT_APPLICABLE when the plan offers neither;
    /// ERROR when a source that might satisfy it could not be seen; FAIL otherwise.
    func branchVerdict(_ input: CheckInput, repository: RepositoryFacts) -> CheckVerdict {
        let branch = "\(repository.fullName)@\(repository.defaultBranch)"
        let classicAnswer = input.answer(BranchProtectionChecks.protection(repository))
        let rulesAnswer = input.answer(BranchProtectionChecks.rules(repository))

        let classicFinding: RuleFinding?
        if let error = classicAnswer.error {
            // "Branch not protected" is GitHub telling someone allowed to read protection that there is none.
            classicFinding = error.kind == .featureDisabled ? .violated("the branch has no classic protection") : nil
        } else {
            classicFinding = classic(classicAnswer.object ?? [:])
        }
        let rulesFinding =
            rulesAnswer.error == nil
            ? rulesets(BranchRules(items: rulesAnswer.items() ?? []), input: input, repository: repository) : nil

        if case .satisfied(let how) = classicFinding { return .pass("On \(branch), \(how).") }
        if case .satisfied(let how) = rulesFinding { return .pass("On \(branch), \(how).") }

        let plan = input.answer(.organization(input.target.organization)).object?.string(at: "plan", "name")
        let classicPlan = classicAnswer.error.map { BranchProtectionChecks.isPlanGap($0, repository: repository, plan: plan) } ?? false
        let rulesPlan = rulesAnswer.error.map { BranchProtectionChecks.isPlanGap($0, repository: repository, plan: plan) } ?? false
        if classicPlan && (rulesPlan || rulesFinding != nil) {
            let reason = classicAnswer.error?.kind == .planRestricted ? "" : " (the organization is on the \(plan ?? "?") plan)"
            return .notApplicable(
                "Branch protection is not available for \(repository.fullName) on this plan: \(classicAnswer.error?.message ?? "")\(reason)"
            )
        }
        let classicText = classicFinding.map(Self.text) ?? "classic protection could not be read"
        let rulesText =
            rulesFinding.map(Self.text) ?? (rulesPlan ? "rulesets are not available on this plan" : "rulesets could not be read")
        if let error = classicAnswer.error, classicFinding == nil, !classicPlan {
            let detail = CheckVerdict.couldNotSee(error, what: "the classic protection of \(branch)").sentence
            return .error("\(detail) Rulesets: \(rulesText).")
        }
        if let error = rulesAnswer.error, !rulesPlan {
            let detail = CheckVerdict.couldNotSee(error, what: "the rulesets of \(branch)").sentence
            return .error("\(detail) Classic protection: \(classicText).")
        }
        if case .unknown = classicFinding { return .error("On \(branch), \(classicText); \(rulesText).") }
        if case .unknown = rulesFinding { return .error("On \(branch), \(classicText); \(rulesText).") }
        return .fail("On \(branch), \(classicText); \(rulesText).")
    }

    private static func text(_ finding: RuleFinding) -> String {
        switch finding {
        case .satisfied(let text), .violated(let text), .unknown(let text): text
        }
    }
}
