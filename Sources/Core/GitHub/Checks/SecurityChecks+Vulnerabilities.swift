import Foundation

extension SecurityChecks {
    /// Dependabot (vulnerability) alerts are enabled: `GET …/vulnerability-alerts` answers 204.
    struct DependabotAlertsEnabled: RepositoryCheck {
        let definition = CheckDefinition(
            id: "dependabot_alerts_enabled",
            title: "Dependabot vulnerability alerts are enabled",
            severity: .high,
            scope: .repository,
            family: .repository,
            rationale: "Without vulnerability alerts nobody is told when a dependency the code ships with has a known "
                + "vulnerability.",
            remediation: "In the repository's Settings → Code security, enable Dependabot alerts (PUT "
                + "/repos/{owner}/{repo}/vulnerability-alerts), or enable them for all repositories in the organization's "
                + "code security configuration.",
            controls: ControlMapping(soc2: ["CC7.1"], iso27001: ["A.8.8"])
        )

        static func request(_ repository: RepositoryFacts) -> CheckRequest {
            CheckRequest(CheckPaths.repository(repository) + "/vulnerability-alerts")
        }

        func requests(for repository: RepositoryFacts, organization: String) -> [CheckRequest] {
            [Self.request(repository)]
        }

        func evaluate(_ input: CheckInput, repository: RepositoryFacts) -> CheckVerdict {
            let answer = input.answer(Self.request(repository))
            guard let error = answer.error else {
                return .pass("Dependabot alerts are enabled on \(repository.fullName) (GitHub answered \(answer.status ?? 204)).")
            }
            if error.provesDisabled(for: repository) {
                return .fail("Dependabot alerts are disabled on \(repository.fullName) (GitHub: \"\(error.message)\").")
            }
            if error.kind == .featureDisabled {
                return .unverifiedDisabled(error, what: "the Dependabot alerts of \(repository.fullName)")
            }
            return .couldNotSee(error, what: "whether Dependabot alerts are enabled on \(repository.fullName)")
        }
    }

    /// Dependabot security updates are enabled and not paused.
    struct DependabotSecurityUpdates: RepositoryCheck {
        let definition = CheckDefinition(
            id: "dependabot_security_updates",
            title: "Dependabot security updates are enabled",
            severity: .medium,
            scope: .repository,
            family: .repository,
            rationale: "Security updates open the fixing pull request as soon as a patched version exists, which shortens "
                + "the time a known vulnerability stays in the code.",
            remediation: "In the repository's Settings → Code security, enable Dependabot security updates (PUT "
                + "/repos/{owner}/{repo}/automated-security-fixes); if GitHub paused them, fix the failing updates and "
                + "re-enable.",
            controls: ControlMapping(soc2: ["CC7.1"], iso27001: ["A.8.8"])
        )

        static func request(_ repository: RepositoryFacts) -> CheckRequest {
            CheckRequest(CheckPaths.repository(repository) + "/automated-security-fixes")
        }

        func requests(for repository: RepositoryFacts, organization: String) -> [CheckRequest] {
            [Self.request(repository), .repository(repository)]
        }

        func evaluate(_ input: CheckInput, repository: RepositoryFacts) -> CheckVerdict {
            let answer = input.answer(Self.request(repository))
            if let state = answer.object {
                let enabled = state["enabled"] as? Bool == true
                let paused = state["paused"] as? Bool == true
                if enabled && !paused { return .pass("Dependabot security updates are enabled on \(repository.fullName).") }
                return .fail(
                    enabled
                        ? "Dependabot security updates are enabled but paused on \(repository.fullName)."
                        : "Dependabot security updates are disabled on \(repository.fullName)."
                )
            }
            guard let error = answer.error else {
                return .error("GitHub's answer about Dependabot security updates on \(repository.fullName) was not an object.")
            }
            // GitHub answers 404 when they are off, but also to hide them: only an admin's 404 is "off".
            if error.isNotFound && repository.isAdmin {
                return .fail("Dependabot security updates are not enabled on \(repository.fullName) (GitHub answered 404).")
            }
            let status = input.answer(.repository(repository)).object?.string(
                at: "security_and_analysis",
                "dependabot_security_updates",
                "status"
            )
            switch status {
            case "enabled": return .pass("security_and_analysis shows Dependabot security updates enabled on \(repository.fullName).")
            case let status?: return .fail("security_and_analysis shows Dependabot security updates \(status) on \(repository.fullName).")
            case nil: return .couldNotSee(error, what: "the Dependabot security updates of \(repository.fullName)")
            }
        }
    }

    /// No open critical or high Dependabot alert older than `slaDays`.
    struct DependabotOpenAlerts: RepositoryCheck {
        /// Days a critical or high alert may stay open before it breaches the remediation SLA.
        static let slaDays = 30
        static let severities: Set<String> = ["critical", "high"]

        let definition = CheckDefinition(
            id: "dependabot_open_alerts",
            title: "No critical or high Dependabot alert open beyond the SLA",
            severity: .high,
            scope: .repository,
            family: .repository,
            rationale: "Vulnerability management is judged by time to remediate: a critical or high alert left open past "
                + "the SLA is a known, exploitable weakness that was accepted by default.",
            remediation: "Under the repository's Security → Dependabot, merge the security update or upgrade the package "
                + "for each listed alert, or dismiss it with a documented reason (not used, risk accepted).",
            controls: ControlMapping(soc2: ["CC7.1"], iso27001: ["A.8.8"])
        )

        static func request(_ repository: RepositoryFacts) -> CheckRequest {
            CheckRequest(CheckPaths.repository(repository) + "/dependabot/alerts?state=open&severity=critical,high", allPages: true)
        }

        func requests(for repository: RepositoryFacts, organization: String) -> [CheckRequest] {
            [Self.request(repository)]
        }

        func evaluate(_ input: CheckInput, repository: RepositoryFacts) -> CheckVerdict {
            let answer = input.answer(Self.request(repository))
            if let error = answer.error {
                if error.provesDisabled(for: repository) {
                    return .fail(
                        "Dependabot alerts are disabled on \(repository.fullName) (GitHub: \"\(error.message)\"), so vulnerabilities go untracked."
                    )
                }
                if error.kind == .featureDisabled {
                    return .unverifiedDisabled(error, what: "the Dependabot alerts of \(repository.fullName)")
                }
                return .couldNotSee(error, what: "the Dependabot alerts of \(repository.fullName)")
            }
            let alerts = (answer.items() ?? []).filter { Self.severities.contains(Self.severity(of: $0)) }
            let overdue = alerts.filter { alert in
                GitHubDate.parse(alert["created_at"]).map { GitHubDate.days(from: $0, to: input.now) > Self.slaDays } ?? false
            }
            if overdue.isEmpty {
                return .pass(
                    "\(repository.fullName) has \(Sentence.count(alerts.count, "open critical or high Dependabot alert")), "
                        + "none older than \(Self.slaDays) days."
                )
            }
            let described = overdue.map { alert in
                let number = (alert["number"] as? Int).map { "#\($0) " } ?? ""
                let package =
                    alert.string(at: "dependency", "package", "name") ?? alert.string(at: "security_vulnerability", "package", "name")
                    ?? "?"
                let since = GitHubDate.parse(alert["created_at"]).map { " open since \(Sentence.day($0))" } ?? ""
                return "\(number)\(Self.severity(of: alert)) \(package)\(since)"
            }
            return .fail(
                "\(repository.fullName) has \(Sentence.count(overdue.count, "critical or high Dependabot alert")) open longer than "
                    + "\(Self.slaDays) days: \(Sentence.list(described, limit: 3))."
            )
        }

        static func severity(of alert: [String: Any]) -> String {
            (alert.string(at: "security_advisory", "severity") ?? alert.string(at: "security_vulnerability", "severity") ?? "").lowercased()
        }
    }

    /// Code scanning is set up and no critical or high code-scanning alert is open.
    struct CodeScanningEnabled: RepositoryCheck {
        static let severities: Set<String> = ["critical", "high"]

        let definition = CheckDefinition(
            id: "code_scanning_enabled",
            title: "Code scanning is configured with no open critical or high alerts",
            severity: .medium,
            scope: .repository,
            family: .repository,
            rationale: "Static analysis on every change catches injection, unsafe deserialisation and similar flaws before "
                + "release; open critical or high alerts are known flaws in the shipped code.",
            remediation: "In the repository's Settings → Code security, set up Code scanning (CodeQL default setup) and fix "
                + "or dismiss with a reason each critical or high alert under Security → Code scanning.",
            controls: ControlMapping(soc2: ["CC7.1", "CC8.1"], iso27001: ["A.8.28", "A.8.29"])
        )

        static func defaultSetup(_ repository: RepositoryFacts) -> CheckRequest {
            CheckRequest(CheckPaths.repository(repository) + "/code-scanning/default-setup")
        }

        static func openAlerts(_ repository: RepositoryFacts) -> CheckRequest {
            CheckRequest(CheckPaths.repository(repository) + "/code-scanning/alerts?state=open", allPages: true)
        }

        func requests(for repository: RepositoryFacts, organization: String) -> [CheckRequest] {
            [Self.defaultSetup(repository), Self.openAlerts(repository)]
        }

        func evaluate(_ input: CheckInput, repository: RepositoryFacts) -> CheckVerdict {
            let configured = input.answer(Self.defaultSetup(repository)).object?["state"] as? String == "configured"
            let answer = input.answer(Self.openAlerts(repository))
            if let error = answer.error {
                if error.kind == .featureDisabled {
                    // Default setup configured but no analysis uploaded yet is still "configured".
                    if configured {
                        return .pass("CodeQL default setup is configured on \(repository.fullName); no analysis has completed yet.")
                    }
                    if error.provesDisabled(for: repository) {
                        return .fail("Code scanning is not set up on \(repository.fullName) (GitHub: \"\(error.message)\").")
                    }
                    return .unverifiedDisabled(error, what: "the code-scanning alerts of \(repository.fullName)")
                }
                return .couldNotSee(error, what: "the code-scanning alerts of \(repository.fullName)")
            }
            let alerts = answer.items() ?? []
            let serious = alerts.filter { Self.severities.contains(($0.string(at: "rule", "security_severity_level") ?? "").lowercased()) }
            let setup = configured ? "CodeQL default setup is configured" : "code scanning has analyses"
            if serious.isEmpty {
                return .pass("On \(repository.fullName), \(setup); \(Sentence.count(alerts.count, "open alert")), none critical or high.")
            }
            let described = serious.map { alert in
                let number = (alert["number"] as? Int).map { "#\($0) " } ?? ""
                let rule = alert.string(at: "rule", "id") ?? "?"
                return "\(number)\(alert.string(at: "rule", "security_severity_level") ?? "") \(rule)"
            }
            return .fail(
                "On \(repository.fullName), \(Sentence.count(serious.count, "critical or high code-scanning alert")) open: "
                    + "\(Sentence.list(described, limit: 3))."
            )
        }
    }
}
