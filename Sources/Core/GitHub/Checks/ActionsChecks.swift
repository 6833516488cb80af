import Foundation

/// GitHub Actions: what the workflow token may do, which actions may run, where, with which secrets.
enum ActionsChecks {
    static let all: [any ComplianceCheck] = [
        DefaultTokenReadOnly(),
        CannotApprovePullRequests(),
        AllowedActionsRestricted(),
        ShaPinned(),
        RunnerGroupsPrivate(),
        SecretsRotated(),
        RepositoryPolicyNotWeaker(),
    ]

    static func organizationWorkflow(_ organization: String) -> CheckRequest {
        CheckRequest(CheckPaths.organization(organization) + "/actions/permissions/workflow")
    }

    static func repositoryWorkflow(_ repository: RepositoryFacts) -> CheckRequest {
        CheckRequest(CheckPaths.repository(repository) + "/actions/permissions/workflow")
    }

    static func organizationPermissions(_ organization: String) -> CheckRequest {
        CheckRequest(CheckPaths.organization(organization) + "/actions/permissions")
    }

    static func repositoryPermissions(_ repository: RepositoryFacts) -> CheckRequest {
        CheckRequest(CheckPaths.repository(repository) + "/actions/permissions")
    }

    /// A workflow setting that must be safe at organization and repository level. A safe
    /// organization setting caps every repository (GitHub disables the looser choice there), so
    /// it decides alone when the repository level cannot be read.
    static func decideWorkflowSetting(
        _ input: CheckInput,
        _ repository: RepositoryFacts,
        field: String,
        isSafe: (Any) -> Bool
    ) -> CheckVerdict {
        let levels = [
            ("organization", input.answer(organizationWorkflow(input.target.organization))),
            ("repository", input.answer(repositoryWorkflow(repository))),
        ]
        var findings: [String] = []
        var seen: [String: String] = [:]
        var unseen: CheckVerdict?
        for (level, answer) in levels {
            if let error = answer.error {
                unseen = unseen ?? .couldNotSee(error, what: "the \(level)'s workflow permissions")
                continue
            }
            guard let value = answer.object?[field], !(value is NSNull) else {
                unseen = unseen ?? .error("GitHub did not show \(field) for the \(level).")
                continue
            }
            seen[level] = Sentence.value(value)
            if !isSafe(value) { findings.append("the \(level) sets \(field) to \(Sentence.value(value))") }
        }
        let subject = "\(field) on \(repository.fullName)"
        if !findings.isEmpty { return .fail("For \(subject), " + findings.joined(separator: " and ") + ".") }
        if let organization = seen["organization"], seen["repository"] == nil {
            return .pass("The organization sets \(field) to \(organization), which its repositories cannot loosen.")
        }
        if let unseen { return unseen }
        return .pass("For \(subject), the organization and the repository both set \(seen["repository"] ?? "?").")
    }

    /// The `GITHUB_TOKEN` defaults to read-only at organization and repository level.
    struct DefaultTokenReadOnly: RepositoryCheck {
        let definition = CheckDefinition(
            id: "actions_default_token_read_only",
            title: "GITHUB_TOKEN defaults to read-only",
            severity: .medium,
            scope: .repository,
            family: .actions,
            rationale: "With a write default every workflow, including one running a compromised dependency, can push code, "
                + "create releases and change issues; workflows should ask for the write scopes they need.",
            remediation: "In the organization's (and repository's) Settings → Actions → General → Workflow permissions, "
                + "choose \"Read repository contents and packages permissions\", and declare `permissions:` in workflows "
                + "that need more.",
            controls: ControlMapping(soc2: ["CC6.3", "CC8.1"], iso27001: ["A.8.2", "A.8.25"])
        )

        func requests(for repository: RepositoryFacts, organization: String) -> [CheckRequest] {
            [ActionsChecks.organizationWorkflow(organization), ActionsChecks.repositoryWorkflow(repository)]
        }

        func evaluate(_ input: CheckInput, repository: RepositoryFacts) -> CheckVerdict {
            ActionsChecks.decideWorkflowSetting(input, repository, field: "default_workflow_permissions") { $0 as? String == "read" }
        }
    }

    /// Workflows cannot create or approve pull requests.
    struct CannotApprovePullRequests: RepositoryCheck {
        let definition = CheckDefinition(
            id: "actions_cannot_approve_prs",
            title: "Workflows cannot approve pull requests",
            severity: .high,
            scope: .repository,
            family: .actions,
            rationale: "If the workflow token may approve pull requests, anyone who can push a workflow can approve their own "
                + "change and defeat required reviews.",
            remediation: "In the organization's (and repository's) Settings → Actions → General → Workflow permissions, untick "
                + "\"Allow GitHub Actions to create and approve pull requests\".",
            controls: ControlMapping(soc2: ["CC8.1"], iso27001: ["A.5.3", "A.8.32"])
        )

        func requests(for repository: RepositoryFacts, organization: String) -> [CheckRequest] {
            [ActionsChecks.organizationWorkflow(organization), ActionsChecks.repositoryWorkflow(repository)]
        }

        func evaluate(_ input: CheckInput, repository: RepositoryFacts) -> CheckVerdict {
            ActionsChecks.decideWorkflowSetting(input, repository, field: "can_approve_pull_request_reviews") { $0 as? Bool == false }
        }
    }

    /// Only local or allow-listed actions may run in the organization.
    struct AllowedActionsRestricted: ComplianceCheck {
        let definition = CheckDefinition(
            id: "actions_allowed_actions_restricted",
            title: "Only allow-listed actions can run",
            severity: .medium,
            scope: .organization,
            family: .actions,
            rationale: "Every third-party action runs with the workflow's token and secrets; allowing any action from any "
                + "repository makes each of their maintainers part of the supply chain.",
            remediation: "In the organization's Settings → Actions → General → Policies, choose \"Allow … and select "
                + "non-… actions\" (or local only), list the approved actions, and enable Actions only for selected "
                + "repositories.",
            controls: ControlMapping(soc2: ["CC9.2", "CC8.1"], iso27001: ["A.5.21", "A.5.19"])
        )

        static func selectedActions(_ organization: String) -> CheckRequest {
            CheckRequest(CheckPaths.organization(organization) + "/actions/permissions/selected-actions")
        }

        func requests(for target: CheckTarget) -> [CheckRequest] {
            [ActionsChecks.organizationPermissions(target.organization)]
        }

        /// The allow-list only exists when `allowed_actions` is `selected`.
        func followUpRequests(_ input: CheckInput) -> [CheckRequest] {
            let organization = input.target.organization
            let allowed = input.answer(ActionsChecks.organizationPermissions(organization)).object?["allowed_actions"] as? String
            return allowed == "selected" ? [Self.selectedActions(organization)] : []
        }

        func evaluate(_ input: CheckInput) -> CheckVerdict {
            let organization = input.target.organization
            let answer = input.answer(ActionsChecks.organizationPermissions(organization))
            if let error = answer.error { return .couldNotSee(error, what: "the organization's Actions permissions") }
            let permissions = answer.object ?? [:]
            let enabled = permissions["enabled_repositories"] as? String
            if enabled == "none" { return .pass("GitHub Actions is disabled for every repository of \(organization).") }
            let scope = enabled.map { " (Actions enabled for \($0) repositories)" } ?? ""
            switch permissions["allowed_actions"] as? String {
            case "all":
                return .fail("\(organization) allows any action from any repository to run (allowed_actions all)\(scope).")
            case "local_only":
                return .pass("\(organization) only allows actions from its own repositories\(scope).")
            case "selected":
                guard let selected = input.answer(Self.selectedActions(organization)).object else {
                    return .pass("\(organization) only allows selected actions\(scope); the allow-list could not be read.")
                }
                let patterns = selected["patterns_allowed"] as? [String] ?? []
                let github = selected["github_owned_allowed"] as? Bool == true ? "GitHub-owned actions, " : ""
                let verified = selected["verified_allowed"] as? Bool == true ? "verified creators, " : ""
                return .pass(
                    "\(organization) only allows selected actions\(scope): \(github)\(verified)"
                        + "\(Sentence.count(patterns.count, "pattern")) (\(Sentence.list(patterns)))."
                )
            case let other?:
                return .error("GitHub answered an unknown allowed_actions value \"\(other)\" for \(organization).")
            case nil:
                return .error("GitHub did not show allowed_actions for \(organization).")
            }
        }
    }

    /// No self-hosted runner group is usable by public repositories.
    struct RunnerGroupsPrivate: ComplianceCheck {
        let definition = CheckDefinition(
            id: "actions_runner_groups_private",
            title: "Self-hosted runners are not usable by public repositories",
            severity: .medium,
            scope: .organization,
            family: .actions,
            rationale: "A public repository runs workflows from anyone's pull request; on a self-hosted runner that code "
                + "runs inside the organization's network and can persist on the machine.",
            remediation: "In the organization's Settings → Actions → Runner groups, edit each listed group and untick "
                + "\"Allow public repositories\"; restrict groups to selected repositories and workflows.",
            controls: ControlMapping(soc2: ["CC6.6"], iso27001: ["A.8.22", "A.8.31"])
        )

        static func request(_ organization: String) -> CheckRequest {
            CheckRequest(CheckPaths.organization(organization) + "/actions/runner-groups", allPages: true)
        }

        func requests(for target: CheckTarget) -> [CheckRequest] {
            [Self.request(target.organization)]
        }

        func evaluate(_ input: CheckInput) -> CheckVerdict {
            let organization = input.target.organization
            let answer = input.answer(Self.request(organization))
            if let error = answer.error { return .couldNotSee(error, what: "the organization's runner groups") }
            let groups = answer.items(key: "runner_groups") ?? []
            let open = groups.filter { $0["allows_public_repositories"] as? Bool == true }.map { group in
                "\"\(group["name"] as? String ?? "?")\" (visibility \(group["visibility"] as? String ?? "?"))"
            }
            if !open.isEmpty {
                return .fail(
                    "\(open.count) of \(Sentence.count(groups.count, "runner group")) of \(organization) accept public repositories: \(Sentence.list(open))."
                )
            }
            return .pass("None of the \(Sentence.count(groups.count, "runner group")) of \(organization) accepts public repositories.")
        }
    }
}
