import Foundation

extension ActionsChecks {
    /// Actions run pinned to full commit SHAs: GitHub enforces it (`sha_pinning_required`), or every
    /// `uses:` in the repository's workflows names a 40-hex commit.
    struct ShaPinned: RepositoryCheck {
        let definition = CheckDefinition(
            id: "actions_sha_pinned",
            title: "Actions are pinned to a full commit SHA",
            severity: .medium,
            scope: .repository,
            family: .actions,
            rationale: "A tag such as @v4 can be moved by whoever controls the action's repository, silently changing the "
                + "code that runs with the workflow's secrets; a full commit SHA cannot.",
            remediation: "Replace each listed `uses: owner/repo@tag` with `uses: owner/repo@<40-character commit SHA> # tag` "
                + "(Dependabot keeps them updated), then enable \"Require actions to be pinned to a full-length commit "
                + "SHA\" in Settings → Actions → General.",
            controls: ControlMapping(soc2: ["CC8.1", "CC9.2"], iso27001: ["A.5.21", "A.8.32"])
        )

        static func workflows(_ repository: RepositoryFacts) -> CheckRequest {
            CheckRequest(CheckPaths.repository(repository) + "/contents/.github/workflows")
        }

        static func workflow(_ repository: RepositoryFacts, path: String) -> CheckRequest {
            CheckRequest(CheckPaths.repository(repository) + "/contents/" + CheckPaths.filePath(path))
        }

        func requests(for repository: RepositoryFacts, organization: String) -> [CheckRequest] {
            [
                ActionsChecks.organizationPermissions(organization), ActionsChecks.repositoryPermissions(repository),
                Self.workflows(repository),
            ]
        }

        /// Each workflow file, unless GitHub already enforces pinning.
        func followUpRequests(_ input: CheckInput, repository: RepositoryFacts) -> [CheckRequest] {
            guard Self.enforcedBy(input, repository) == nil else { return [] }
            return Self.workflowFiles(input.answer(Self.workflows(repository))).map { Self.workflow(repository, path: $0) }
        }

        /// `organization` or `repository` when that level's `sha_pinning_required` is true.
        static func enforcedBy(_ input: CheckInput, _ repository: RepositoryFacts) -> String? {
            if input.answer(ActionsChecks.organizationPermissions(input.target.organization)).object?["sha_pinning_required"] as? Bool
                == true
            {
                return "organization"
            }
            if input.answer(ActionsChecks.repositoryPermissions(repository)).object?["sha_pinning_required"] as? Bool == true {
                return "repository"
            }
            return nil
        }

        /// Paths of the YAML files a `.github/workflows` listing names.
        static func workflowFiles(_ answer: CheckAnswer) -> [String] {
            (answer.items() ?? []).filter { $0["type"] as? String ?? "file" == "file" }.compactMap { $0["path"] as? String }
                .filter { $0.hasSuffix(".yml") || $0.hasSuffix(".yaml") }
        }

        func evaluate(_ input: CheckInput, repository: RepositoryFacts) -> CheckVerdict {
            if let level = Self.enforcedBy(input, repository) {
                return .pass("The \(level) requires actions to be pinned to a full commit SHA (sha_pinning_required).")
            }
            let listing = input.answer(Self.workflows(repository))
            if let error = listing.error {
                return error.isNotFound
                    ? .notApplicable("\(repository.fullName) has no .github/workflows directory.")
                    : .couldNotSee(error, what: "the workflows of \(repository.fullName)")
            }
            let files = Self.workflowFiles(listing)
            if files.isEmpty { return .notApplicable("\(repository.fullName) has no workflow files in .github/workflows.") }

            var unpinned: [String] = []
            var references = 0
            var unseen: CheckVerdict?
            for path in files {
                let answer = input.answer(Self.workflow(repository, path: path))
                guard let text = Self.text(of: answer) else {
                    unseen =
                        unseen ?? answer.error.map { .couldNotSee($0, what: path) }
                        ?? .error("GitHub did not return the content of \(path).")
                    continue
                }
                let uses = Self.actionReferences(in: text)
                references += uses.count
                let name = path.split(separator: "/").last.map(String.init) ?? path
                unpinned += uses.filter { !Self.isPinned($0) }.map { "\(name): \($0)" }
            }
            if !unpinned.isEmpty {
                return .fail(
                    "SHA pinning is not enforced and \(Sentence.count(unpinned.count, "action reference")) in \(repository.fullName) "
                        + "use a movable ref: \(Sentence.list(unpinned, limit: 4))."
                )
            }
            if let unseen { return unseen }
            return .pass(
                "All \(Sentence.count(references, "action reference")) in \(Sentence.count(files.count, "workflow")) of "
                    + "\(repository.fullName) are pinned to a full commit SHA."
            )
        }

        /// The decoded text of a contents-API file answer (base64 with line breaks).
        static func text(of answer: CheckAnswer) -> String? {
            guard let object = answer.object, let content = object["content"] as? String else { return nil }
            let compact = content.filter { !$0.isWhitespace }
            return Data(base64Encoded: compact).flatMap { String(data: $0, encoding: .utf8) }
        }

        /// The remote `uses:` values of a workflow: local actions (`./…`) run the repository's own code.
        static func actionReferences(in workflow: String) -> [String] {
            workflow.split(whereSeparator: \.isNewline).compactMap { line -> String? in
                var text = line.trimmingCharacters(in: .whitespaces)
                if text.hasPrefix("- ") { text = String(text.dropFirst(2)).trimmingCharacters(in: .whitespaces) }
                guard text.hasPrefix("uses:") else { return nil }
                var value = String(text.dropFirst("uses:".count))
                if let comment = value.range(of: " #") { value = String(value[..<comment.lowerBound]) }
                value = value.trimmingCharacters(in: CharacterSet.whitespaces.union(CharacterSet(charactersIn: "\"'")))
                return value.isEmpty || value.hasPrefix("./") ? nil : value
            }
        }

        /// `owner/repo@<40 hex>` or `docker://image@sha256:…`.
        static func isPinned(_ reference: String) -> Bool {
            if reference.hasPrefix("docker://") { return reference.contains("@sha256:") }
            guard let at = reference.lastIndex(of: "@") else { return false }
            let ref = reference[reference.index(after: at)...]
            return ref.count == 40 && ref.allSatisfy { $0.isHexDigit && !$0.isUppercase }
        }
    }

    /// Actions secrets the repository can use (its own and the organization's shared with it) were
    /// updated within `maximumAgeDays`.
    struct SecretsRotated: RepositoryCheck {
        /// Days since a secret was last set before it counts as not rotated.
        static let maximumAgeDays = 365

        let definition = CheckDefinition(
            id: "actions_secrets_rotated",
            title: "Actions secrets rotated within 365 days",
            severity: .medium,
            scope: .repository,
            family: .actions,
            rationale: "A secret that is never rotated stays valid for anyone who ever saw it, in a log, a fork's workflow "
                + "run or a former colleague's notes.",
            remediation: "Issue a new credential at its provider, update it in Settings → Secrets and variables → Actions "
                + "(repository or organization), and revoke the old one; prefer OIDC federation where the provider "
                + "supports it.",
            controls: ControlMapping(soc2: ["CC6.1"], iso27001: ["A.5.17", "A.8.24"])
        )

        static func repositorySecrets(_ repository: RepositoryFacts) -> CheckRequest {
            CheckRequest(CheckPaths.repository(repository) + "/actions/secrets", allPages: true)
        }

        /// The organization secrets shared with this repository (not every organization secret is).
        static func organizationSecrets(_ repository: RepositoryFacts) -> CheckRequest {
            CheckRequest(CheckPaths.repository(repository) + "/actions/organization-secrets", allPages: true)
        }

        func requests(for repository: RepositoryFacts, organization: String) -> [CheckRequest] {
            [Self.repositorySecrets(repository), Self.organizationSecrets(repository)]
        }

        func evaluate(_ input: CheckInput, repository: RepositoryFacts) -> CheckVerdict {
            var stale: [String] = []
            var counts: [String] = []
            var unseen: CheckVerdict?
            for (level, request) in [
                ("repository", Self.repositorySecrets(repository)), ("organization", Self.organizationSecrets(repository)),
            ] {
                let answer = input.answer(request)
                if let error = answer.error {
                    unseen = unseen ?? .couldNotSee(error, what: "the \(level) Actions secrets of \(repository.fullName)")
                    continue
                }
                let secrets = answer.items(key: "secrets") ?? []
                counts.append("\(secrets.count) \(level)")
                for secret in secrets {
                    let name = secret["name"] as? String ?? "?"
                    guard let updated = GitHubDate.parse(secret["updated_at"]) ?? GitHubDate.parse(secret["created_at"]) else { continue }
                    if GitHubDate.days(from: updated, to: input.now) > Self.maximumAgeDays {
                        stale.append("\(level) secret \(name) (last set \(Sentence.day(updated)))")
                    }
                }
            }
            if !stale.isEmpty {
                return .fail(
                    "\(Sentence.count(stale.count, "Actions secret")) usable by \(repository.fullName) not rotated for over "
                        + "\(Self.maximumAgeDays) days: \(Sentence.list(stale, limit: 4))."
                )
            }
            if let unseen { return unseen }
            return .pass(
                "All Actions secrets usable by \(repository.fullName) (\(counts.joined(separator: " and "))) were set within \(Self.maximumAgeDays) days."
            )
        }
    }

    /// The repository's Actions policy is not looser than the organization's.
    struct RepositoryPolicyNotWeaker: RepositoryCheck {
        /// `allowed_actions` from loosest to strictest.
        static let strictness = ["all": 0, "selected": 1, "local_only": 2]

        let definition = CheckDefinition(
            id: "actions_repo_policy_not_weaker",
            title: "Repository Actions settings are not looser than the organization's",
            severity: .low,
            scope: .repository,
            family: .actions,
            rationale: "An organization policy only protects repositories that follow it; a repository that allows more "
                + "actions or unpinned references reopens the gap the policy closed.",
            remediation: "In the repository's Settings → Actions → General, choose the same or a stricter \"Actions "
                + "permissions\" option as the organization and keep SHA pinning required.",
            controls: ControlMapping(soc2: ["CC8.1"], iso27001: ["A.8.9"])
        )

        func requests(for repository: RepositoryFacts, organization: String) -> [CheckRequest] {
            [ActionsChecks.repositoryPermissions(repository), ActionsChecks.organizationPermissions(organization)]
        }

        func evaluate(_ input: CheckInput, repository: RepositoryFacts) -> CheckVerdict {
            let repositoryAnswer = input.answer(ActionsChecks.repositoryPermissions(repository))
            if let error = repositoryAnswer.error { return .couldNotSee(error, what: "the Actions permissions of \(repository.fullName)") }
            let local = repositoryAnswer.object ?? [:]
            if local["enabled"] as? Bool == false { return .pass("GitHub Actions is disabled on \(repository.fullName).") }
            let organizationAnswer = input.answer(ActionsChecks.organizationPermissions(input.target.organization))
            if let error = organizationAnswer.error { return .couldNotSee(error, what: "the organization's Actions permissions") }
            let policy = organizationAnswer.object ?? [:]

            var findings: [String] = []
            let repositoryAllowed = local["allowed_actions"] as? String
            let organizationAllowed = policy["allowed_actions"] as? String
            if let repositoryAllowed, let organizationAllowed,
                let repositoryRank = Self.strictness[repositoryAllowed], let organizationRank = Self.strictness[organizationAllowed],
                repositoryRank < organizationRank
            {
                findings.append("allowed_actions is \(repositoryAllowed) while the organization requires \(organizationAllowed)")
            }
            if policy["sha_pinning_required"] as? Bool == true, local["sha_pinning_required"] as? Bool == false {
                findings.append("sha_pinning_required is false while the organization requires it")
            }
            if !findings.isEmpty { return .fail("On \(repository.fullName), " + findings.joined(separator: "; ") + ".") }
            guard let repositoryAllowed else { return .error("GitHub did not show allowed_actions for \(repository.fullName).") }
            return .pass(
                "\(repository.fullName) allows \(repositoryAllowed) actions (organization: \(organizationAllowed ?? "not shown")), "
                    + "no looser than the organization."
            )
        }
    }
}
