import Foundation

extension AccessChecks {
    /// No member inactive for longer than `memberInactiveDays`, no owner for longer than
    /// `ownerInactiveDays`, judged from each member's newest audit-log event (GitHub Enterprise Cloud).
    struct MemberInactive: ComplianceCheck {
        /// Days without an audit-log event before a member counts as inactive. GitHub
        /// keeps the audit log for 180 days, so this is also the longest that can be seen.
        static let memberInactiveDays = 180
        /// Owners hold full control, so they are expected to be active more often.
        static let ownerInactiveDays = 90

        let definition = CheckDefinition(
            id: "member_inactive",
            title: "No member inactive for more than 180 days (owners 90 days)",
            severity: .low,
            scope: .organization,
            family: .access,
            rationale: "Dormant accounts keep their access without anyone noticing if they are taken over; access reviews "
                + "expect unused access to be removed.",
            remediation: "Review the listed people with their managers; remove members who no longer need access (People → "
                + "Remove from organization) and demote inactive owners to member.",
            controls: ControlMapping(soc2: ["CC6.2"], iso27001: ["A.5.18"])
        )

        static func members(_ organization: String) -> CheckRequest {
            CheckRequest(CheckPaths.organization(organization) + "/members", allPages: true)
        }

        static func activity(_ organization: String, login: String) -> CheckRequest {
            CheckRequest(
                CheckPaths.organization(organization) + "/audit-log?phrase=actor:\(CheckPaths.segment(login))&include=all&per_page=1"
            )
        }

        func requests(for target: CheckTarget) -> [CheckRequest] {
            let organization = target.organization
            return [
                OrganizationChecks.AuditLogAvailable.request(organization), Self.members(organization),
                OrganizationChecks.OwnerCount.request(organization),
            ]
        }

        /// One audit-log query per member, asked only when the audit log exists at all.
        func followUpRequests(_ input: CheckInput) -> [CheckRequest] {
            let organization = input.target.organization
            guard input.answer(OrganizationChecks.AuditLogAvailable.request(organization)).error == nil else { return [] }
            return Self.logins(input.answer(Self.members(organization))).map { Self.activity(organization, login: $0) }
        }

        static func logins(_ answer: CheckAnswer) -> [String] {
            (answer.items() ?? []).compactMap { $0["login"] as? String }
        }

        func evaluate(_ input: CheckInput) -> CheckVerdict {
            let organization = input.target.organization
            if let error = input.answer(OrganizationChecks.AuditLogAvailable.request(organization)).error {
                if error.kind == .notFound {
                    return .notApplicable(
                        "GitHub answered 404 for the audit log: member activity is only available on GitHub Enterprise Cloud."
                    )
                }
                return .couldNotSee(error, what: "the organization's audit log")
            }
            let membersAnswer = input.answer(Self.members(organization))
            if let error = membersAnswer.error { return .couldNotSee(error, what: "the organization's members") }
            let ownersAnswer = input.answer(OrganizationChecks.OwnerCount.request(organization))
            if let error = ownersAnswer.error { return .couldNotSee(error, what: "the organization's owners") }
            let owners = Set(Self.logins(ownersAnswer))
            let members = Self.logins(membersAnswer)

            var inactive: [String] = []
            var unseen: (String, GitHubError)?
            for login in members {
                let isOwner = owners.contains(login)
                let limit = isOwner ? Self.ownerInactiveDays : Self.memberInactiveDays
                let answer = input.answer(Self.activity(organization, login: login))
                if let error = answer.error {
                    unseen = unseen ?? (login, error)
                    continue
                }
                let role = isOwner ? "owner, " : ""
                guard let newest = answer.items()?.first.flatMap({ GitHubDate.parse($0["@timestamp"]) }) else {
                    inactive.append("\(login) (\(role)no event in the retained audit log)")
                    continue
                }
                if GitHubDate.days(from: newest, to: input.now) > limit {
                    inactive.append("\(login) (\(role)last active \(Sentence.day(newest)))")
                }
            }
            if !inactive.isEmpty {
                return .fail(
                    "\(inactive.count) of \(Sentence.count(members.count, "member")) inactive beyond "
                        + "\(Self.memberInactiveDays) days (owners \(Self.ownerInactiveDays)): \(Sentence.list(inactive))."
                )
            }
            if let (login, error) = unseen { return .couldNotSee(error, what: "the audit-log activity of \(login)") }
            return .pass(
                "All \(Sentence.count(members.count, "member")) (\(Sentence.count(owners.count, "owner"))) were active within "
                    + "\(Self.memberInactiveDays) days (owners \(Self.ownerInactiveDays))."
            )
        }
    }

    /// Fine-grained tokens and SSO-authorized credentials with organization access expire and are used.
    struct TokenHygiene: ComplianceCheck {
        /// A token unused for longer than this is standing access nobody needs.
        static let unusedDays = 90

        let definition = CheckDefinition(
            id: "pat_hygiene",
            title: "Tokens with organization access expire and are in use",
            severity: .medium,
            scope: .organization,
            family: .access,
            rationale: "Personal access tokens act as their owner without 2FA; one that never expires or lies unused is "
                + "long-lived standing access that leaks with a laptop, a CI log or a dotfile.",
            remediation: "In the organization's Settings → Personal access tokens → Active tokens, revoke the listed tokens "
                + "and set a maximum lifetime policy; for SAML SSO, revoke stale credentials under People → member → "
                + "SAML identity linked, and require classic tokens to have an expiration.",
            controls: ControlMapping(soc2: ["CC6.1", "CC6.2"], iso27001: ["A.5.17", "A.5.18"])
        )

        static func fineGrained(_ organization: String) -> CheckRequest {
            CheckRequest(CheckPaths.organization(organization) + "/personal-access-tokens", allPages: true)
        }

        static func credentialAuthorizations(_ organization: String) -> CheckRequest {
            CheckRequest(CheckPaths.organization(organization) + "/credential-authorizations", allPages: true)
        }

        func requests(for target: CheckTarget) -> [CheckRequest] {
            [Self.fineGrained(target.organization), Self.credentialAuthorizations(target.organization)]
        }

        private enum Source {
            case seen(count: Int, findings: [String])
            case notApplicable(String)
            case unseen(GitHubError)
        }

        func evaluate(_ input: CheckInput) -> CheckVerdict {
            let organization = input.target.organization
            let sources = [
                ("fine-grained token", tokens(input.answer(Self.fineGrained(organization)), now: input.now)),
                ("SSO-authorized credential", credentials(input.answer(Self.credentialAuthorizations(organization)), now: input.now)),
            ]
            var findings: [String] = []
            var seen: [String] = []
            var gaps: [String] = []
            var unseen: (String, GitHubError)?
            for (label, source) in sources {
                switch source {
                case .seen(let count, let found):
                    findings += found
                    seen.append(Sentence.count(count, label))
                case .notApplicable(let reason): gaps.append(reason)
                case .unseen(let error): unseen = unseen ?? (label, error)
                }
            }
            if !findings.isEmpty {
                return .fail(
                    "\(Sentence.count(findings.count, "credential")) with organization access: \(Sentence.list(findings, limit: 4))."
                )
            }
            if let (label, error) = unseen { return .couldNotSee(error, what: "the organization's \(label)s") }
            if seen.isEmpty { return .notApplicable(gaps.joined(separator: " ")) }
            let note = gaps.isEmpty ? "" : " " + gaps.joined(separator: " ")
            return .pass(
                "Every credential seen (\(seen.joined(separator: " and "))) expires and was used within \(Self.unusedDays) days.\(note)"
            )
        }

        private func tokens(_ answer: CheckAnswer, now: Date) -> Source {
            if let error = answer.error {
                // Only GitHub Apps may list fine-grained tokens; an App missing the permission is
                // told "…by integration", which is a real ERROR.
                if error.kind == .forbidden, !error.message.lowercased().contains("integration") {
                    return .notApplicable("Fine-grained tokens can only be listed by a GitHub App credential.")
                }
                return .unseen(error)
            }
            let grants = answer.items() ?? []
            let findings = grants.compactMap { grant -> String? in
                let name = "\(grant.string(at: "owner", "login") ?? "?")'s token \"\(grant["token_name"] as? String ?? "unnamed")\""
                if grant["token_expired"] as? Bool == true { return "\(name) has expired but is still granted" }
                if GitHubDate.parse(grant["token_expires_at"]) == nil { return "\(name) never expires" }
                return staleness(name, used: grant["token_last_used_at"], granted: grant["access_granted_at"], now: now)
            }
            return .seen(count: grants.count, findings: findings)
        }

        private func credentials(_ answer: CheckAnswer, now: Date) -> Source {
            if let error = answer.error {
                // Credential authorizations exist only for Enterprise Cloud organizations with SAML SSO.
                if error.kind == .notFound {
                    return .notApplicable("The organization does not use SAML SSO, so there are no SSO credential authorizations.")
                }
                return .unseen(error)
            }
            let authorizations = answer.items() ?? []
            let findings = authorizations.compactMap { credential -> String? in
                let type = credential["credential_type"] as? String ?? "credential"
                let name = "\(credential["login"] as? String ?? "?")'s \(type) …\(credential["token_last_eight"] as? String ?? "")"
                let isToken = type.lowercased().contains("token")
                if isToken, GitHubDate.parse(credential["authorized_credential_expires_at"]) == nil {
                    return "\(name) never expires"
                }
                return staleness(
                    name,
                    used: credential["credential_accessed_at"],
                    granted: credential["credential_authorized_at"],
                    now: now
                )
            }
            return .seen(count: authorizations.count, findings: findings)
        }

        /// "unused since …" when the last use (or, never used, the grant) is older than `unusedDays`.
        private func staleness(_ name: String, used: Any?, granted: Any?, now: Date) -> String? {
            if let used = GitHubDate.parse(used) {
                return GitHubDate.days(from: used, to: now) > Self.unusedDays ? "\(name) unused since \(Sentence.day(used))" : nil
            }
            if let granted = GitHubDate.parse(granted), GitHubDate.days(from: granted, to: now) > Self.unusedDays {
                return "\(name) never used since \(Sentence.day(granted))"
            }
            return nil
        }
    }
}
