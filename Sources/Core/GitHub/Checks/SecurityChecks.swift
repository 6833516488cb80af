import Foundation

/// Repository security features: secret scanning, Dependabot, code scanning, and the files that
/// say who owns code, how to report vulnerabilities and under which license it is shared.
enum SecurityChecks {
    static let all: [any ComplianceCheck] = [
        SecretScanningEnabled(),
        SecretPushProtection(),
        DependabotAlertsEnabled(),
        DependabotSecurityUpdates(),
        DependabotOpenAlerts(),
        CodeScanningEnabled(),
        CodeownersPresent(),
        SecurityPolicyPresent(),
        LicensePresent(),
    ]

    /// Shared with `bp_code_owner_reviews`, which relies on the same file.
    static func codeowners(_ repository: RepositoryFacts) -> CheckRequest {
        CheckRequest(CheckPaths.repository(repository) + "/codeowners/errors")
    }

    /// `security_and_analysis` of the full repository object, or the verdict for not seeing it:
    /// GitHub shows it to repository admins, organization owners and security managers only.
    static func securityAndAnalysis(_ object: [String: Any], _ repository: RepositoryFacts) -> Outcome<[String: Any]> {
        guard let settings = object["security_and_analysis"] as? [String: Any] else {
            return .decided(
                .error(
                    "GitHub did not show security_and_analysis for \(repository.fullName); it is shown to repository admins, "
                        + "organization owners and security managers only."
                )
            )
        }
        return .value(settings)
    }

    /// The repository object and its `security_and_analysis`, or the verdict for missing either.
    fileprivate static func settings(
        _ object: Outcome<[String: Any]>,
        _ repository: RepositoryFacts
    ) -> Outcome<(object: [String: Any], settings: [String: Any])> {
        switch object {
        case .decided(let verdict): return .decided(verdict)
        case .value(let found):
            switch securityAndAnalysis(found, repository) {
            case .decided(let verdict): return .decided(verdict)
            case .value(let settings): return .value((found, settings))
            }
        }
    }

    /// Whether a private or internal repository has the licence secret scanning needs there
    /// (GitHub Advanced Security, or the standalone Secret Protection product).
    static func hasSecretProtection(_ settings: [String: Any], visibility: String) -> Bool {
        visibility == "public"
            || settings.string(at: "advanced_security", "status") == "enabled"
            || settings.string(at: "secret_protection", "status") == "enabled"
    }

    static func visibility(_ object: [String: Any], _ repository: RepositoryFacts) -> String {
        object["visibility"] as? String ?? repository.visibility
    }

    /// `security_and_analysis.secret_scanning.status` is `enabled`.
    struct SecretScanningEnabled: RepositoryCheck {
        let definition = CheckDefinition(
            id: "secret_scanning_enabled",
            title: "Secret scanning is enabled",
            severity: .high,
            scope: .repository,
            family: .repository,
            rationale: "Credentials committed to a repository are found by attackers within minutes; secret scanning finds "
                + "them in the code and history so they can be revoked.",
            remediation: "In the repository's Settings → Code security, enable Secret scanning (for private repositories "
                + "this needs GitHub Secret Protection or Advanced Security), or apply an organization code security "
                + "configuration that enables it.",
            controls: ControlMapping(soc2: ["CC6.1", "CC7.1"], iso27001: ["A.8.12", "A.5.17"])
        )

        func requests(for repository: RepositoryFacts, organization: String) -> [CheckRequest] {
            [.repository(repository)]
        }

        func evaluate(_ input: CheckInput, repository: RepositoryFacts) -> CheckVerdict {
            let object: [String: Any]
            let settings: [String: Any]
            switch securitySettings(input, repository) {
            case .decided(let verdict): return verdict
            case .value(let found): (object, settings) = found
            }
            let status = settings.string(at: "secret_scanning", "status")
            if status == "enabled" { return .pass("Secret scanning is enabled on \(repository.fullName).") }
            let visibility = SecurityChecks.visibility(object, repository)
            if !SecurityChecks.hasSecretProtection(settings, visibility: visibility) {
                return .notApplicable(
                    "\(repository.fullName) is \(visibility) and has neither Secret Protection nor Advanced Security, "
                        + "which secret scanning needs there."
                )
            }
            guard let status else { return .error("GitHub did not show secret_scanning for \(repository.fullName).") }
            return .fail("Secret scanning is \(status) on \(repository.fullName).")
        }
    }

    /// Push protection is enabled and no secret-scanning alert is open.
    struct SecretPushProtection: RepositoryCheck {
        let definition = CheckDefinition(
            id: "secret_push_protection_enabled",
            title: "Secret push protection is on and no secret alert is open",
            severity: .high,
            scope: .repository,
            family: .repository,
            rationale: "Push protection stops a credential before it enters the history; an open alert is a leaked "
                + "credential that has not been revoked yet.",
            remediation: "In the repository's Settings → Code security, enable Push protection; revoke and rotate each "
                + "secret listed under Security → Secret scanning, then close the alert as revoked.",
            controls: ControlMapping(soc2: ["CC6.1", "CC7.1"], iso27001: ["A.8.12", "A.5.17"])
        )

        static func openAlerts(_ repository: RepositoryFacts) -> CheckRequest {
            CheckRequest(CheckPaths.repository(repository) + "/secret-scanning/alerts?state=open", allPages: true)
        }

        func requests(for repository: RepositoryFacts, organization: String) -> [CheckRequest] {
            [.repository(repository), Self.openAlerts(repository)]
        }

        func evaluate(_ input: CheckInput, repository: RepositoryFacts) -> CheckVerdict {
            let object: [String: Any]
            let settings: [String: Any]
            switch securitySettings(input, repository) {
            case .decided(let verdict): return verdict
            case .value(let found): (object, settings) = found
            }
            let pushProtection = settings.string(at: "secret_scanning_push_protection", "status")
            let visibility = SecurityChecks.visibility(object, repository)
            if pushProtection != "enabled", !SecurityChecks.hasSecretProtection(settings, visibility: visibility) {
                return .notApplicable(
                    "\(repository.fullName) is \(visibility) and has neither Secret Protection nor Advanced Security, "
                        + "which push protection needs there."
                )
            }

            var findings: [String] = []
            if let pushProtection, pushProtection != "enabled" { findings.append("push protection is \(pushProtection)") }
            var unseen: CheckVerdict?
            let alerts = input.answer(Self.openAlerts(repository))
            if let error = alerts.error {
                if error.provesDisabled(for: repository) {
                    findings.append("secret scanning is off (GitHub: \"\(error.message)\")")
                } else if error.kind == .featureDisabled {
                    unseen = .unverifiedDisabled(error, what: "the secret-scanning alerts of \(repository.fullName)")
                } else {
                    unseen = .couldNotSee(error, what: "the secret-scanning alerts of \(repository.fullName)")
                }
            } else if let open = alerts.items(), !open.isEmpty {
                let described = open.map { alert in
                    let number = (alert["number"] as? Int).map { "#\($0) " } ?? ""
                    let type = alert["secret_type_display_name"] as? String ?? alert["secret_type"] as? String ?? "secret"
                    let since = GitHubDate.parse(alert["created_at"]).map { " since \(Sentence.day($0))" } ?? ""
                    return "\(number)\(type)\(since)"
                }
                findings.append("\(Sentence.count(open.count, "secret-scanning alert")) open: \(Sentence.list(described, limit: 3))")
            }
            if !findings.isEmpty { return .fail("On \(repository.fullName), " + findings.joined(separator: "; ") + ".") }
            if let unseen { return unseen }
            guard pushProtection != nil else {
                return .error("GitHub did not show secret_scanning_push_protection for \(repository.fullName).")
            }
            return .pass("Push protection is enabled on \(repository.fullName) and no secret-scanning alert is open.")
        }
    }
}

extension RepositoryCheck {
    /// The repository object and its `security_and_analysis`, which the secret-scanning checks
    /// both read, or the verdict for not seeing them.
    func securitySettings(_ input: CheckInput, _ repository: RepositoryFacts) -> Outcome<(object: [String: Any], settings: [String: Any])> {
        SecurityChecks.settings(repositoryObject(input, repository), repository)
    }
}
