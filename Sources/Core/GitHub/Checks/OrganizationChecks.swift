/// Organization settings (`GET /orgs/{org}`), as an owner's token sees them. A non-owner view
/// leaves out the decisive fields, which is ERROR, not FAIL.
enum OrganizationChecks {
    static let all: [any ComplianceCheck] = [TwoFactorRequired()]

    /// `two_factor_requirement_enabled` must be true.
    struct TwoFactorRequired: ComplianceCheck {
        let definition = CheckDefinition(
            id: "org_2fa_required",
            title: "Organization requires two-factor authentication",
            severity: .high,
            scope: .organization,
            family: "organization",
            rationale: "Without a 2FA requirement a single stolen password gives access to source code and settings.",
            remediation: "In the organization's Settings → Authentication security, enable \"Require two-factor authentication\".",
            controls: ControlMapping(soc2: ["CC6.1"], iso27001: ["A.8.5", "A.5.17"])
        )

        func requests(for target: CheckTarget) -> [CheckRequest] {
            [CheckRequest("/orgs/\(target.organization)")]
        }

        func evaluate(_ input: CheckInput) -> CheckVerdict {
            let answer = input.answer("/orgs/\(input.target.organization)")
            if let error = answer.error { return .couldNotSee(error, what: "the organization's settings") }
            guard let enabled = answer.object?["two_factor_requirement_enabled"] as? Bool else {
                return .error("GitHub did not show two_factor_requirement_enabled; the token must belong to an organization owner.")
            }
            return enabled
                ? .pass("The organization requires two-factor authentication for all members.")
                : .fail("two_factor_requirement_enabled is false: members may use the organization without 2FA.")
        }
    }
}
