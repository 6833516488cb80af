import Foundation

extension SecurityChecks {
    /// A CODEOWNERS file exists and GitHub reports no errors in it.
    struct CodeownersPresent: RepositoryCheck {
        enum State {
            case valid
            case missing
            /// The errors GitHub found, in words.
            case invalid(String)
            case unseen(GitHubError)
        }

        let definition = CheckDefinition(
            id: "codeowners_present",
            title: "Valid CODEOWNERS file",
            severity: .low,
            scope: .repository,
            family: .repository,
            rationale: "CODEOWNERS names who is accountable for each part of the code and is what code-owner review "
                + "enforces; errors in it silently drop owners.",
            remediation: "Add a CODEOWNERS file in .github/, the root or docs/ mapping paths to teams, and fix each error "
                + "GitHub shows on the file's page (unknown owners, teams without access, bad patterns).",
            controls: ControlMapping(soc2: ["CC8.1"], iso27001: ["A.5.2", "A.8.4"])
        )

        func requests(for repository: RepositoryFacts, organization: String) -> [CheckRequest] {
            [SecurityChecks.codeowners(repository)]
        }

        /// How `GET …/codeowners/errors` stands; a 404 means GitHub found no CODEOWNERS file.
        static func state(_ answer: CheckAnswer) -> State {
            if let error = answer.error { return error.isNotFound ? .missing : .unseen(error) }
            let errors = answer.object?["errors"] as? [[String: Any]] ?? []
            if errors.isEmpty { return .valid }
            let described = errors.map { error in
                let line = (error["line"] as? Int).map { "line \($0): " } ?? ""
                return "\(line)\(error["kind"] as? String ?? error["message"] as? String ?? "error")"
            }
            let path = errors.first?["path"] as? String ?? "CODEOWNERS"
            return .invalid("\(Sentence.count(errors.count, "error")) in \(path) (\(Sentence.list(described, limit: 3)))")
        }

        func evaluate(_ input: CheckInput, repository: RepositoryFacts) -> CheckVerdict {
            switch Self.state(input.answer(SecurityChecks.codeowners(repository))) {
            case .valid: .pass("\(repository.fullName) has a CODEOWNERS file without errors.")
            case .missing: .fail("\(repository.fullName) has no CODEOWNERS file in .github/, the root or docs/.")
            case .invalid(let errors): .fail("\(repository.fullName)'s CODEOWNERS has \(errors).")
            case .unseen(let error): .couldNotSee(error, what: "the CODEOWNERS file of \(repository.fullName)")
            }
        }
    }

    /// A security policy (SECURITY.md) is published, in the repository or the organization's `.github` repository.
    struct SecurityPolicyPresent: RepositoryCheck {
        /// Where GitHub looks for a security policy, in its order.
        static let policyPaths = ["SECURITY.md", ".github/SECURITY.md", "docs/SECURITY.md"]

        let definition = CheckDefinition(
            id: "security_policy_present",
            title: "Security policy (SECURITY.md) or private vulnerability reporting",
            severity: .low,
            scope: .repository,
            family: .repository,
            rationale: "A published security policy tells researchers and customers how to report a vulnerability "
                + "privately instead of in a public issue.",
            remediation: "Add SECURITY.md (root, .github/ or docs/, or once for all repositories in the organization's public "
                + ".github repository) with a reporting contact, and enable Settings → Code security → Private "
                + "vulnerability reporting.",
            controls: ControlMapping(soc2: ["CC2.3"], iso27001: ["A.6.8", "A.5.24"])
        )

        static func candidates(_ repository: RepositoryFacts, organization: String) -> [(name: String, request: CheckRequest)] {
            let own = policyPaths.map {
                ("\(repository.fullName)/\($0)", CheckPaths.repository(repository) + "/contents/" + CheckPaths.filePath($0))
            }
            // GitHub falls back to the organization's `.github` repository for community health files.
            let shared = policyPaths.map {
                ("\(organization)/.github/\($0)", "/repos/\(CheckPaths.segment(organization))/.github/contents/" + CheckPaths.filePath($0))
            }
            return (own + shared).map { ($0.0, CheckRequest($0.1)) }
        }

        static func privateReporting(_ repository: RepositoryFacts) -> CheckRequest {
            CheckRequest(CheckPaths.repository(repository) + "/private-vulnerability-reporting")
        }

        func requests(for repository: RepositoryFacts, organization: String) -> [CheckRequest] {
            Self.candidates(repository, organization: organization).map(\.request) + [Self.privateReporting(repository)]
        }

        func evaluate(_ input: CheckInput, repository: RepositoryFacts) -> CheckVerdict {
            let reporting = input.answer(Self.privateReporting(repository)).object?["enabled"] as? Bool
            let note = reporting.map { "; private vulnerability reporting is \($0 ? "enabled" : "disabled")" } ?? ""
            var unseen: (String, GitHubError)?
            for candidate in Self.candidates(repository, organization: input.target.organization) {
                let answer = input.answer(candidate.request)
                guard let error = answer.error else {
                    return .pass("The security policy is published at \(candidate.name)\(note).")
                }
                if !error.isNotFound { unseen = unseen ?? (candidate.name, error) }
            }
            if let (name, error) = unseen { return .couldNotSee(error, what: name) }
            return .fail(
                "No SECURITY.md in \(repository.fullName) (root, .github/, docs/) or in \(input.target.organization)/.github\(note)."
            )
        }
    }

    /// A public repository declares a license GitHub recognises.
    struct LicensePresent: RepositoryCheck {
        let definition = CheckDefinition(
            id: "license_present",
            title: "License declared (public repositories)",
            severity: .low,
            scope: .repository,
            family: .repository,
            rationale: "Code published without a license leaves its terms of use undefined for everyone, including the "
                + "organization's own obligations for what it publishes.",
            remediation: "Add a LICENSE file with a standard license text chosen with legal counsel (Add file → Create new "
                + "file → LICENSE offers templates), so GitHub detects its SPDX id.",
            controls: ControlMapping(soc2: [], iso27001: ["A.5.32"])
        )

        static func license(_ repository: RepositoryFacts) -> CheckRequest {
            CheckRequest(CheckPaths.repository(repository) + "/license")
        }

        func requests(for repository: RepositoryFacts, organization: String) -> [CheckRequest] {
            // For a private repository the repository object alone shows that the rule does not apply.
            repository.visibility == "public" ? [Self.license(repository)] : [.repository(repository)]
        }

        func evaluate(_ input: CheckInput, repository: RepositoryFacts) -> CheckVerdict {
            if repository.visibility != "public" {
                return .notApplicable(
                    "\(repository.fullName) is \(repository.visibility); a license is only required for public repositories."
                )
            }
            let answer = input.answer(Self.license(repository))
            if let error = answer.error {
                return error.isNotFound
                    ? .fail("\(repository.fullName) is public and GitHub found no license file.")
                    : .couldNotSee(error, what: "the license of \(repository.fullName)")
            }
            let file = answer.object?["path"] as? String ?? "the license file"
            let spdx = answer.object?.string(at: "license", "spdx_id")
            guard let spdx, spdx != "NOASSERTION" else {
                return .fail("\(repository.fullName) has \(file), but GitHub does not recognise its license (spdx_id \(spdx ?? "null")).")
            }
            let name = answer.object?.string(at: "license", "name") ?? spdx
            return .pass("\(repository.fullName) is licensed under \(name) (\(spdx)) in \(file).")
        }
    }
}
