import Foundation

/// Organization settings (`GET /orgs/{org}`), as an owner's token sees them. A non-owner view
/// leaves out the decisive fields, which is ERROR, not FAIL.
enum OrganizationChecks {
    static let all: [any ComplianceCheck] = [
        TwoFactorRequired(),
        DefaultRepositoryPermission(),
        PublicRepositoryCreationRestricted(),
        OwnerCount(),
        AuditLogAvailable(),
        WebhooksSecure(),
    ]

    /// Decides from one field of the owner view of `GET /orgs/{org}`; a failed read or an absent
    /// field (GitHub omits it for non-owners) is ERROR.
    static func decide(
        _ input: CheckInput,
        field: String,
        _ decision: (Any, [String: Any]) -> CheckVerdict
    ) -> CheckVerdict {
        let answer = input.answer(.organization(input.target.organization))
        if let error = answer.error { return .couldNotSee(error, what: "the organization's settings") }
        guard let settings = answer.object, let value = settings[field], !(value is NSNull) else {
            return .error("GitHub did not show \(field) for \(input.target.organization); the token must belong to an organization owner.")
        }
        return decision(value, settings)
    }

    /// `two_factor_requirement_enabled` must be true.
    struct TwoFactorRequired: ComplianceCheck {
        let definition = CheckDefinition(
            id: "org_2fa_required",
            title: "Organization requires two-factor authentication",
            severity: .high,
            scope: .organization,
            family: .organization,
            rationale: "Without a 2FA requirement a single stolen password gives access to source code and settings.",
            remediation: "In the organization's Settings → Authentication security, enable \"Require two-factor authentication\".",
            controls: ControlMapping(soc2: ["CC6.1"], iso27001: ["A.8.5", "A.5.17"])
        )

        func requests(for target: CheckTarget) -> [CheckRequest] {
            [.organization(target.organization)]
        }

        func evaluate(_ input: CheckInput) -> CheckVerdict {
            OrganizationChecks.decide(input, field: "two_factor_requirement_enabled") { value, _ in
                guard let enabled = value as? Bool else {
                    return .error("two_factor_requirement_enabled has an unexpected value: \(Sentence.value(value)).")
                }
                return enabled
                    ? .pass("The organization requires two-factor authentication for all members.")
                    : .fail("two_factor_requirement_enabled is false: members may use the organization without 2FA.")
            }
        }
    }

    /// `default_repository_permission` must be `none` or `read`.
    struct DefaultRepositoryPermission: ComplianceCheck {
        /// Base permissions that give members no more than read access to every repository.
        static let leastPrivilege: Set<String> = ["none", "read"]

        let definition = CheckDefinition(
            id: "org_default_repo_permission",
            title: "Base repository permission is least-privilege",
            severity: .high,
            scope: .organization,
            family: .organization,
            rationale: "The base permission applies to every member on every repository; write or admin lets any member "
                + "change any code or setting without being granted access.",
            remediation: "In the organization's Settings → Member privileges, set \"Base permissions\" to \"No permission\" "
                + "or \"Read\", and grant write access through teams (PATCH /orgs/{org} with default_repository_permission).",
            controls: ControlMapping(soc2: ["CC6.3"], iso27001: ["A.5.15", "A.8.3"])
        )

        func requests(for target: CheckTarget) -> [CheckRequest] {
            [.organization(target.organization)]
        }

        func evaluate(_ input: CheckInput) -> CheckVerdict {
            OrganizationChecks.decide(input, field: "default_repository_permission") { value, _ in
                let permission = Sentence.value(value)
                return Self.leastPrivilege.contains(permission)
                    ? .pass("The base repository permission is \"\(permission)\".")
                    : .fail(
                        "The base repository permission is \"\(permission)\": every member has \(permission) access to every repository."
                    )
            }
        }
    }

    /// `members_can_create_public_repositories` must be false.
    struct PublicRepositoryCreationRestricted: ComplianceCheck {
        let definition = CheckDefinition(
            id: "org_public_repo_creation_restricted",
            title: "Members cannot create public repositories",
            severity: .medium,
            scope: .organization,
            family: .organization,
            rationale: "A member who can create public repositories can publish code or data outside the organization's "
                + "review, by mistake or on purpose.",
            remediation: "In the organization's Settings → Member privileges → Repository creation, untick \"Public\" "
                + "(PATCH /orgs/{org} with members_can_create_public_repositories=false).",
            controls: ControlMapping(soc2: ["CC6.1", "C1.1"], iso27001: ["A.8.12", "A.8.3"])
        )

        func requests(for target: CheckTarget) -> [CheckRequest] {
            [.organization(target.organization)]
        }

        func evaluate(_ input: CheckInput) -> CheckVerdict {
            OrganizationChecks.decide(input, field: "members_can_create_public_repositories") { value, settings in
                var seen: [String] = []
                if let fork = settings["members_can_fork_private_repositories"] as? Bool {
                    seen.append("members_can_fork_private_repositories is \(fork)")
                }
                if let type = settings["members_allowed_repository_creation_type"] as? String {
                    seen.append("members_allowed_repository_creation_type is \"\(type)\"")
                }
                let context = seen.isEmpty ? "" : " (" + seen.joined(separator: ", ") + ")"
                guard let allowed = value as? Bool else {
                    return .error("members_can_create_public_repositories has an unexpected value: \(Sentence.value(value)).")
                }
                return allowed
                    ? .fail("members_can_create_public_repositories is true: any member can create a public repository\(context).")
                    : .pass("Members cannot create public repositories\(context).")
            }
        }
    }

    /// Between `minimumOwners` and `maximumOwners` organization owners.
    struct OwnerCount: ComplianceCheck {
        /// Fewer than two owners leaves the organization without a second administrator.
        static let minimumOwners = 2
        /// More than three owners spreads full control too widely (legitify flags more than 3).
        static let maximumOwners = 3

        let definition = CheckDefinition(
            id: "org_owner_count",
            title: "Few, but more than one, organization owners",
            severity: .medium,
            scope: .organization,
            family: .organization,
            rationale: "Owners can change every setting and read every repository: a single owner is a continuity risk, "
                + "many owners widen the blast radius of one compromised account.",
            remediation: "In the organization's People page, filter by role \"Owner\" and change owners who do not need full "
                + "control to \"Member\" (or promote a second trusted administrator); keep 2–3 owners.",
            controls: ControlMapping(soc2: ["CC6.3"], iso27001: ["A.8.2", "A.5.3"])
        )

        static func request(_ organization: String) -> CheckRequest {
            CheckRequest(CheckPaths.organization(organization) + "/members?role=admin", allPages: true)
        }

        func requests(for target: CheckTarget) -> [CheckRequest] {
            [Self.request(target.organization)]
        }

        func evaluate(_ input: CheckInput) -> CheckVerdict {
            let answer = input.answer(Self.request(input.target.organization))
            if let error = answer.error { return .couldNotSee(error, what: "the organization's owners") }
            let owners = (answer.items() ?? []).compactMap { $0["login"] as? String }
            let seen = "\(Sentence.count(owners.count, "owner")) (\(Sentence.list(owners)))"
            if owners.count < Self.minimumOwners {
                return .fail(
                    "The organization has \(seen); at least \(Self.minimumOwners) are needed so control does not rest on one account."
                )
            }
            if owners.count > Self.maximumOwners {
                return .fail("The organization has \(seen); at most \(Self.maximumOwners) are expected.")
            }
            return .pass("The organization has \(seen).")
        }
    }

    /// The organization audit log answers (GitHub Enterprise Cloud).
    struct AuditLogAvailable: ComplianceCheck {
        let definition = CheckDefinition(
            id: "org_audit_log_available",
            title: "Organization audit log is retrievable",
            severity: .medium,
            scope: .organization,
            family: .organization,
            rationale: "The audit log is the record of who changed permissions, settings and repositories; without API "
                + "access it cannot be retained or monitored (GitHub keeps 180 days, Git events 7 days).",
            remediation: "Use GitHub Enterprise Cloud and grant the credential read:audit_log (or the App organization "
                + "administration read); stream the log to your SIEM so it outlives GitHub's retention.",
            controls: ControlMapping(soc2: ["CC7.2", "CC4.1"], iso27001: ["A.8.15", "A.8.16"])
        )

        /// Shared with `member_inactive`, which only asks per member when this answers.
        static func request(_ organization: String) -> CheckRequest {
            CheckRequest(CheckPaths.organization(organization) + "/audit-log?per_page=1")
        }

        func requests(for target: CheckTarget) -> [CheckRequest] {
            [Self.request(target.organization)]
        }

        func evaluate(_ input: CheckInput) -> CheckVerdict {
            let answer = input.answer(Self.request(input.target.organization))
            if let error = answer.error {
                // Outside Enterprise Cloud the endpoint does not exist: a plan gap, not a permission problem.
                if error.kind == .notFound {
                    return .notApplicable(
                        "GitHub answered 404 for the audit log: the organization is not on GitHub Enterprise Cloud; "
                            + "compensating evidence is needed."
                    )
                }
                return .couldNotSee(error, what: "the organization's audit log")
            }
            guard let newest = answer.items()?.first else {
                return .pass("The audit log is readable; it returned no events.")
            }
            let when = GitHubDate.parse(newest["@timestamp"]).map { " at \(Sentence.day($0))" } ?? ""
            let action = (newest["action"] as? String).map { " (\($0))" } ?? ""
            return .pass("The audit log is readable; the newest event was recorded\(when)\(action).")
        }
    }
}
