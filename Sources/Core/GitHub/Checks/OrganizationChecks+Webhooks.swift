import Foundation

extension OrganizationChecks {
    /// Every active webhook that receives a repository's events (the repository's own and the
    /// organization's) uses `https://`, verifies TLS and signs deliveries with a secret. It runs per
    /// repository because organization hooks receive every repository's events; the organization
    /// list is one shared request, fetched once per scan.
    struct WebhooksSecure: RepositoryCheck {
        let definition = CheckDefinition(
            id: "webhooks_secure",
            title: "Organization and repository webhooks use a secret and TLS verification",
            severity: .medium,
            scope: .repository,
            family: .organization,
            rationale: "Webhook deliveries carry repository events and code metadata; without TLS verification they can "
                + "be intercepted, and without a secret the receiver cannot tell GitHub's deliveries from forged ones.",
            remediation: "In the repository's (or organization's) Settings → Webhooks, edit each hook: use an https:// "
                + "payload URL, keep \"Enable SSL verification\" on, and set a secret that the receiver verifies "
                + "(X-Hub-Signature-256); or PATCH …/hooks/{hook_id}/config with insecure_ssl \"0\" and a secret.",
            controls: ControlMapping(soc2: ["CC6.7", "CC6.1"], iso27001: ["A.8.21", "A.8.24", "A.5.14"])
        )

        static func organizationHooks(_ organization: String) -> CheckRequest {
            CheckRequest(CheckPaths.organization(organization) + "/hooks", allPages: true)
        }

        static func repositoryHooks(_ repository: RepositoryFacts) -> CheckRequest {
            CheckRequest(CheckPaths.repository(repository) + "/hooks", allPages: true)
        }

        func requests(for repository: RepositoryFacts, organization: String) -> [CheckRequest] {
            [Self.organizationHooks(organization), Self.repositoryHooks(repository)]
        }

        func evaluate(_ input: CheckInput, repository: RepositoryFacts) -> CheckVerdict {
            let sources = [
                ("organization", input.answer(Self.organizationHooks(input.target.organization))),
                ("repository", input.answer(Self.repositoryHooks(repository))),
            ]
            var problems: [String] = []
            var checked = 0
            var unseen: (String, GitHubError)?
            for (level, answer) in sources {
                if let error = answer.error {
                    unseen = unseen ?? (level, error)
                    continue
                }
                for hook in answer.items() ?? [] where hook["active"] as? Bool ?? true {
                    checked += 1
                    let weaknesses = Self.weaknesses(of: hook)
                    if !weaknesses.isEmpty {
                        problems.append("\(level) hook \(Self.name(of: hook)) \(weaknesses.joined(separator: ", "))")
                    }
                }
            }
            if !problems.isEmpty {
                return .fail("\(Sentence.count(problems.count, "active webhook")) is insecure: \(Sentence.list(problems, limit: 3)).")
            }
            if let (level, error) = unseen {
                return .couldNotSee(error, what: "the \(level) webhooks of \(repository.fullName)")
            }
            return checked == 0
                ? .pass("No active webhook receives \(repository.fullName)'s events.")
                : .pass(
                    "All \(Sentence.count(checked, "active webhook")) for \(repository.fullName) use https, TLS verification and a secret."
                )
        }

        /// What is wrong with one hook's `config`, in words.
        static func weaknesses(of hook: [String: Any]) -> [String] {
            let config = hook["config"] as? [String: Any] ?? [:]
            var weaknesses: [String] = []
            let url = config["url"] as? String ?? ""
            if !url.lowercased().hasPrefix("https://") { weaknesses.append("does not use https") }
            // GitHub writes insecure_ssl as the string "0"/"1"; older answers used a number.
            let insecure = (config["insecure_ssl"] as? String) ?? (config["insecure_ssl"] as? Int).map(String.init) ?? "0"
            if insecure != "0" { weaknesses.append("skips TLS verification (insecure_ssl \(insecure))") }
            let secret = config["secret"] as? String ?? ""
            if secret.isEmpty { weaknesses.append("has no secret") }
            return weaknesses
        }

        /// `123 (hooks.example.com)`: the host only, since payload URLs sometimes carry tokens.
        static func name(of hook: [String: Any]) -> String {
            let id = (hook["id"] as? Int).map(String.init) ?? "?"
            let host = (hook["config"] as? [String: Any])?["url"].flatMap { $0 as? String }.flatMap { URL(string: $0)?.host }
            return host.map { "\(id) (\($0))" } ?? id
        }
    }
}
