import Foundation

/// Repository-level facts from `GET /repos/{o}/{r}`: visibility and staleness.
enum RepositoryChecks {
    static let all: [any ComplianceCheck] = [VisibilityExpected(), InactiveOrArchived()]

    /// `visibility` is `private` or `internal`. No repository is approved to be public yet: the
    /// approved list the sentences name is the risk-acceptance record still to come, so every
    /// public repository fails (the sentence stays as stored evidence has it).
    struct VisibilityExpected: RepositoryCheck {
        let definition = CheckDefinition(
            id: "repo_visibility_expected",
            title: "Repository visibility matches its classification",
            severity: .high,
            scope: .repository,
            family: .repository,
            rationale: "A public repository exposes its code, history and issues to everyone; only repositories approved "
                + "for publication should be public.",
            remediation: "If the repository is not approved for publication, change it in Settings → General → Danger Zone → "
                + "Change visibility (PATCH /repos/{owner}/{repo} with visibility \"private\"), then review its history for "
                + "secrets; otherwise record it on the approved-public list.",
            controls: ControlMapping(soc2: ["CC6.1", "C1.1"], iso27001: ["A.8.3", "A.5.12"])
        )

        func requests(for repository: RepositoryFacts, organization: String) -> [CheckRequest] {
            [.repository(repository)]
        }

        func evaluate(_ input: CheckInput, repository: RepositoryFacts) -> CheckVerdict {
            switch repositoryObject(input, repository) {
            case .decided(let verdict): return verdict
            case .value(let object):
                let isPrivate = object["private"] as? Bool
                guard let visibility = object["visibility"] as? String ?? isPrivate.map({ $0 ? "private" : "public" }) else {
                    return .error("GitHub did not show the visibility of \(repository.fullName).")
                }
                if visibility != "public" { return .pass("\(repository.fullName) is \(visibility).") }
                return .fail("\(repository.fullName) is public and not on the approved-public list.")
            }
        }
    }

    /// A repository not pushed to for `inactiveDays` is archived.
    struct InactiveOrArchived: RepositoryCheck {
        /// Days without a push before an unarchived repository counts as stale.
        static let inactiveDays = 180

        var evaluatesArchived: Bool { true }

        let definition = CheckDefinition(
            id: "repo_inactive_or_archived",
            title: "Stale repositories are archived",
            severity: .low,
            scope: .repository,
            family: .repository,
            rationale: "An abandoned but writable repository keeps its access grants, secrets and vulnerable dependencies "
                + "alive with nobody watching them.",
            remediation: "Archive repositories that are no longer maintained (Settings → General → Danger Zone → Archive "
                + "this repository, or PATCH /repos/{owner}/{repo} with archived=true), or record who maintains them.",
            controls: ControlMapping(soc2: ["CC6.1", "CC7.1"], iso27001: ["A.5.9", "A.8.8"])
        )

        func requests(for repository: RepositoryFacts, organization: String) -> [CheckRequest] {
            [.repository(repository)]
        }

        func evaluate(_ input: CheckInput, repository: RepositoryFacts) -> CheckVerdict {
            switch repositoryObject(input, repository) {
            case .decided(let verdict): return verdict
            case .value(let object):
                if object["archived"] as? Bool == true { return .pass("\(repository.fullName) is archived.") }
                // An empty repository has never been pushed to; its creation date is its last change.
                guard let pushed = GitHubDate.parse(object["pushed_at"]) ?? GitHubDate.parse(object["created_at"]) else {
                    return .error("GitHub did not show when \(repository.fullName) was last pushed to.")
                }
                let days = GitHubDate.days(from: pushed, to: input.now)
                return days > Self.inactiveDays
                    ? .fail("\(repository.fullName) was last pushed on \(Sentence.day(pushed)) (\(days) days ago) but is not archived.")
                    : .pass("\(repository.fullName) was last pushed on \(Sentence.day(pushed)) (\(days) days ago).")
            }
        }
    }
}
