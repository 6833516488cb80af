import Foundation

/// Who can reach the organization's code: members' 2FA, privileged collaborators, deploy keys,
/// inactive members and long-lived tokens.
enum AccessChecks {
    static let all: [any ComplianceCheck] = [
        MembersTwoFactor(),
        RepositoryPrivilegedAccess(),
        MemberInactive(),
        TokenHygiene(),
        DeployKeysReadOnly(),
    ]

    /// No member or outside collaborator without 2FA, and no member with insecure (SMS) 2FA.
    struct MembersTwoFactor: ComplianceCheck {
        let definition = CheckDefinition(
            id: "members_2fa_enabled",
            title: "No member or outside collaborator without secure two-factor authentication",
            severity: .high,
            scope: .organization,
            family: .access,
            rationale: "An account without 2FA, or with SMS codes that can be intercepted or SIM-swapped, is one phished "
                + "password away from the organization's code.",
            remediation: "Ask the listed people to enable an authenticator app, security key or passkey (GitHub → Settings → "
                + "Password and authentication) and to remove SMS; then enable \"Require two-factor authentication\" for the "
                + "organization, which removes anyone left without it.",
            controls: ControlMapping(soc2: ["CC6.1"], iso27001: ["A.8.5"])
        )

        static func disabledMembers(_ organization: String) -> CheckRequest {
            CheckRequest(CheckPaths.organization(organization) + "/members?filter=2fa_disabled", allPages: true)
        }

        static func insecureMembers(_ organization: String) -> CheckRequest {
            CheckRequest(CheckPaths.organization(organization) + "/members?filter=2fa_insecure", allPages: true)
        }

        static func disabledCollaborators(_ organization: String) -> CheckRequest {
            CheckRequest(CheckPaths.organization(organization) + "/outside_collaborators?filter=2fa_disabled", allPages: true)
        }

        func requests(for target: CheckTarget) -> [CheckRequest] {
            let organization = target.organization
            return [Self.disabledMembers(organization), Self.insecureMembers(organization), Self.disabledCollaborators(organization)]
        }

        func evaluate(_ input: CheckInput) -> CheckVerdict {
            let organization = input.target.organization
            let lists: [(label: String, request: CheckRequest, newerFilter: Bool)] = [
                ("members without 2FA", Self.disabledMembers(organization), false),
                ("members with insecure 2FA (e.g. SMS)", Self.insecureMembers(organization), true),
                ("outside collaborators without 2FA", Self.disabledCollaborators(organization), false),
            ]
            var findings: [String] = []
            var unseen: (String, GitHubError)?
            var unsupported = false
            for list in lists {
                let answer = input.answer(list.request)
                if let error = answer.error {
                    // Older GitHub Enterprise Server does not know the 2fa_insecure filter: that
                    // sub-rule does not apply there. "Only owners can use this filter." still means ERROR.
                    if list.newerFilter, error.kind == .unprocessable, !error.message.lowercased().contains("only owners") {
                        unsupported = true
                    } else {
                        unseen = unseen ?? (list.label, error)
                    }
                    continue
                }
                let logins = (answer.items() ?? []).compactMap { $0["login"] as? String }
                if !logins.isEmpty { findings.append("\(list.label) (\(logins.count)): \(Sentence.list(logins))") }
            }
            if !findings.isEmpty { return .fail("GitHub lists " + findings.joined(separator: "; ") + ".") }
            if let (label, error) = unseen { return .couldNotSee(error, what: "the organization's \(label)") }
            let note = unsupported ? " (this GitHub does not support the 2fa_insecure filter, so SMS-based 2FA was not checked)" : ""
            return .pass(
                "No member or outside collaborator of \(organization) is without 2FA\(unsupported ? "" : " or on insecure 2FA")\(note)."
            )
        }
    }

    /// No outside collaborator with admin or push access; few direct admins.
    struct RepositoryPrivilegedAccess: RepositoryCheck {
        /// Users (not teams) granted admin directly on one repository before it counts as too many.
        static let maximumDirectAdmins = 3

        let definition = CheckDefinition(
            id: "repo_privileged_access",
            title: "Few repository admins; no outside collaborator with admin or write access",
            severity: .medium,
            scope: .repository,
            family: .access,
            rationale: "Outside collaborators are not bound by the organization's membership controls; admin or write access "
                + "lets them change code and settings. Admin granted user by user escapes team-based review.",
            remediation: "In the repository's Settings → Collaborators and teams, lower outside collaborators to Read or "
                + "Triage (or remove them), and grant admin through a small team instead of individual users.",
            controls: ControlMapping(soc2: ["CC6.2", "CC6.3"], iso27001: ["A.5.18", "A.8.2", "A.5.19"])
        )

        static func outside(_ repository: RepositoryFacts) -> CheckRequest {
            CheckRequest(CheckPaths.repository(repository) + "/collaborators?affiliation=outside", allPages: true)
        }

        static func direct(_ repository: RepositoryFacts) -> CheckRequest {
            CheckRequest(CheckPaths.repository(repository) + "/collaborators?affiliation=direct", allPages: true)
        }

        func requests(for repository: RepositoryFacts, organization: String) -> [CheckRequest] {
            [Self.outside(repository), Self.direct(repository)]
        }

        func evaluate(_ input: CheckInput, repository: RepositoryFacts) -> CheckVerdict {
            var findings: [String] = []
            var unseen: (String, GitHubError)?
            var seen: [String] = []

            let outside = input.answer(Self.outside(repository))
            if let error = outside.error {
                unseen = ("outside collaborators", error)
            } else {
                let people = outside.items() ?? []
                let privileged = people.filter { $0.bool(at: "permissions", "admin") == true || $0.bool(at: "permissions", "push") == true }
                    .map { "\($0["login"] as? String ?? "?") (\($0.bool(at: "permissions", "admin") == true ? "admin" : "write"))" }
                if !privileged.isEmpty {
                    findings.append(
                        "\(Sentence.count(privileged.count, "outside collaborator")) with admin or write access: \(Sentence.list(privileged))"
                    )
                }
                seen.append(Sentence.count(people.count, "outside collaborator"))
            }

            let direct = input.answer(Self.direct(repository))
            if let error = direct.error {
                unseen = unseen ?? ("direct collaborators", error)
            } else {
                let admins = (direct.items() ?? []).filter { $0.bool(at: "permissions", "admin") == true }.compactMap {
                    $0["login"] as? String
                }
                if admins.count > Self.maximumDirectAdmins {
                    findings.append(
                        "\(admins.count) users hold admin directly (\(Sentence.list(admins))), more than \(Self.maximumDirectAdmins)"
                    )
                }
                seen.append(Sentence.count(admins.count, "direct admin"))
            }

            if !findings.isEmpty { return .fail("\(repository.fullName) has " + findings.joined(separator: "; ") + ".") }
            if let (what, error) = unseen { return .couldNotSee(error, what: "the \(what) of \(repository.fullName)") }
            return .pass("\(repository.fullName) has \(seen.joined(separator: " and ")); no outside collaborator can write.")
        }
    }

    /// Every deploy key is read-only.
    struct DeployKeysReadOnly: RepositoryCheck {
        /// A key unused this long is reported (not failed) as a candidate for removal.
        static let unusedDays = 90

        let definition = CheckDefinition(
            id: "deploy_keys_read_only",
            title: "Deploy keys are read-only and in use",
            severity: .medium,
            scope: .repository,
            family: .access,
            rationale: "A deploy key is an SSH key tied to no person: with write access, whoever holds a copy can push code "
                + "to the repository, bypassing user offboarding.",
            remediation: "In the repository's Settings → Deploy keys, delete keys with write access (or that are unused) "
                + "and add them again without \"Allow write access\"; disable deploy keys in the organization's settings "
                + "if they are not needed.",
            controls: ControlMapping(soc2: ["CC6.1", "CC6.3"], iso27001: ["A.8.2", "A.5.17"])
        )

        static func keys(_ repository: RepositoryFacts) -> CheckRequest {
            CheckRequest(CheckPaths.repository(repository) + "/keys", allPages: true)
        }

        func requests(for repository: RepositoryFacts, organization: String) -> [CheckRequest] {
            [Self.keys(repository)]
        }

        func evaluate(_ input: CheckInput, repository: RepositoryFacts) -> CheckVerdict {
            let answer = input.answer(Self.keys(repository))
            if let error = answer.error { return .couldNotSee(error, what: "the deploy keys of \(repository.fullName)") }
            let keys = answer.items() ?? []
            func name(_ key: [String: Any]) -> String {
                "\"\(key["title"] as? String ?? "untitled")\" (id \((key["id"] as? Int).map(String.init) ?? "?"))"
            }
            let writable = keys.filter { $0["read_only"] as? Bool != true }.map(name)
            if !writable.isEmpty {
                return .fail(
                    "\(repository.fullName) has \(Sentence.count(writable.count, "deploy key")) with write access: \(Sentence.list(writable))."
                )
            }
            if keys.isEmpty { return .pass("\(repository.fullName) has no deploy keys.") }
            // `last_used` is only in newer API answers; without it nothing is said about use.
            let unused = keys.filter { key in
                guard key.keys.contains("last_used") else { return false }
                guard let used = GitHubDate.parse(key["last_used"]) else { return true }
                return GitHubDate.days(from: used, to: input.now) > Self.unusedDays
            }
            .map(name)
            let note = unused.isEmpty ? "" : "; unused for over \(Self.unusedDays) days: \(Sentence.list(unused))"
            return .pass("All \(Sentence.count(keys.count, "deploy key")) of \(repository.fullName) are read-only\(note).")
        }
    }
}
