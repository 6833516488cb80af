import Foundation

extension BranchProtectionChecks {
    /// Every ruleset targeting the default branch is enforced (`active`, not `evaluate`/`disabled`)
    /// and has no standing bypass (`bypass_mode` `always`, or `exempt`, which skips the rules silently).
    struct RulesetsEnforced: RepositoryCheck {
        /// Bypass modes that let an actor skip the rules at any time, not only through a pull request.
        static let standingBypassModes: Set<String> = ["always", "exempt"]

        let definition = CheckDefinition(
            id: "rulesets_enforced_no_bypass",
            title: "Rulesets are active with no standing bypass",
            severity: .medium,
            scope: .repository,
            family: .repository,
            rationale: "A ruleset in evaluate mode only reports, and a standing bypass lets its actors push past every rule; "
                + "either way the branch looks protected without being so.",
            remediation: "In Settings → Rules → Rulesets (repository or organization), set each ruleset's Enforcement status "
                + "to Active and remove bypass actors, or limit them to \"For pull requests only\".",
            controls: BranchProtectionChecks.controls(iso27001: ["A.8.32", "A.8.2"], soc2: ["CC8.1", "CC6.3"])
        )

        static func list(_ repository: RepositoryFacts) -> CheckRequest {
            CheckRequest(CheckPaths.repository(repository) + "/rulesets?includes_parents=true", allPages: true)
        }

        func requests(for repository: RepositoryFacts, organization: String) -> [CheckRequest] {
            [Self.list(repository)]
        }

        /// The list leaves out `conditions` and `bypass_actors`, so each branch ruleset is read in full.
        func followUpRequests(_ input: CheckInput, repository: RepositoryFacts) -> [CheckRequest] {
            Self.branchRulesets(input.answer(Self.list(repository))).compactMap { $0["id"] as? Int }
                .map { BranchProtectionChecks.ruleset(repository, id: $0) }
        }

        static func branchRulesets(_ answer: CheckAnswer) -> [[String: Any]] {
            (answer.items() ?? []).filter { ($0["target"] as? String ?? "branch") == "branch" }
        }

        func evaluate(_ input: CheckInput, repository: RepositoryFacts) -> CheckVerdict {
            let branch = "\(repository.fullName)@\(repository.defaultBranch)"
            let listAnswer = input.answer(Self.list(repository))
            if let error = listAnswer.error { return .couldNotSee(error, what: "the rulesets of \(repository.fullName)") }

            var applying: [String] = []
            var problems: [String] = []
            var unseen: [String] = []
            for summary in Self.branchRulesets(listAnswer) {
                guard let id = summary["id"] as? Int else { continue }
                let answer = input.answer(BranchProtectionChecks.ruleset(repository, id: id))
                if let error = answer.error {
                    unseen.append(CheckVerdict.couldNotSee(error, what: "ruleset \(id)").sentence.dropLastPeriod())
                    continue
                }
                let ruleset = answer.object ?? [:]
                guard Self.applies(ruleset, to: repository.defaultBranch) else { continue }
                let name = "\"\(ruleset["name"] as? String ?? summary["name"] as? String ?? "unnamed")\" (\(id))"
                applying.append(name)
                let enforcement = ruleset["enforcement"] as? String ?? summary["enforcement"] as? String ?? "unknown"
                if enforcement != "active" { problems.append("\(name) is \(enforcement), not active") }
                guard let actors = ruleset["bypass_actors"] as? [[String: Any]] else {
                    unseen.append("GitHub did not show the bypass actors of \(name) (they are shown to admins only)")
                    continue
                }
                let standing = actors.filter { Self.standingBypassModes.contains($0["bypass_mode"] as? String ?? "") }
                if !standing.isEmpty { problems.append("\(name) lets \(Self.describe(standing)) bypass it") }
            }
            if !problems.isEmpty { return .fail("On \(branch): \(Sentence.list(problems, limit: 3)).") }
            if !unseen.isEmpty { return .error("On \(branch): \(Sentence.list(unseen, limit: 2)).") }
            if applying.isEmpty {
                return .notApplicable("No ruleset targets \(branch); its protection is judged by the bp_* checks.")
            }
            return .pass(
                "On \(branch), every applying ruleset (\(Sentence.list(applying))) is active with no standing bypass."
            )
        }

        /// `Team 3 (always), RepositoryRole 5 (exempt)`.
        static func describe(_ actors: [[String: Any]]) -> String {
            Sentence.list(
                actors.map { actor in
                    let id = (actor["actor_id"] as? Int).map { " \($0)" } ?? ""
                    return "\(actor["actor_type"] as? String ?? "actor")\(id) (\(actor["bypass_mode"] as? String ?? "?"))"
                },
                limit: 3
            )
        }

        /// Whether `conditions.ref_name` selects the default branch: `~DEFAULT_BRANCH`, `~ALL` or a
        /// glob on `refs/heads/…`; an empty include list selects every ref not excluded.
        static func applies(_ ruleset: [String: Any], to defaultBranch: String) -> Bool {
            let refName = ruleset.object(at: "conditions", "ref_name")
            let include = refName?["include"] as? [String] ?? []
            let exclude = refName?["exclude"] as? [String] ?? []
            let ref = "refs/heads/\(defaultBranch)"
            func matches(_ pattern: String) -> Bool {
                switch pattern {
                case "~ALL", "~DEFAULT_BRANCH": true
                default: Glob.matches(pattern, ref) || Glob.matches(pattern, defaultBranch)
                }
            }
            if exclude.contains(where: matches) { return false }
            return include.isEmpty || include.contains(where: matches)
        }
    }
}

/// fnmatch-style patterns as rulesets use them: `*` stays within one path segment, `**` crosses
/// segments, `?` is one character.
enum Glob {
    static func matches(_ pattern: String, _ text: String) -> Bool {
        match(Array(pattern), 0, Array(text), 0)
    }

    private static func match(_ pattern: [Character], _ p: Int, _ text: [Character], _ t: Int) -> Bool {
        if p == pattern.count { return t == text.count }
        if pattern[p] == "*" {
            let crossesSegments = p + 1 < pattern.count && pattern[p + 1] == "*"
            let next = crossesSegments ? p + 2 : p + 1
            var end = t
            while true {
                if match(pattern, next, text, end) { return true }
                guard end < text.count, crossesSegments || text[end] != "/" else { return false }
                end += 1
            }
        }
        guard t < text.count else { return false }
        if pattern[p] == "?" { return text[t] != "/" && match(pattern, p + 1, text, t + 1) }
        return pattern[p] == text[t] && match(pattern, p + 1, text, t + 1)
    }
}
