import Foundation
import Testing

@testable import Core

@Suite("Check catalogue")
struct CheckCatalogueTests {
    static let checks = CheckCatalogue.all
    static let organization = Fixture.organization
    static let repository = Fixture.target(Fixture.repository(visibility: "public"))

    @Test func hasAtLeastThirtyFiveChecksWithUniqueIDs() {
        #expect(Self.checks.count >= 35)
        let ids = Self.checks.map(\.definition.id)
        #expect(Set(ids).count == ids.count, "duplicate ids: \(ids.filter { id in ids.filter { $0 == id }.count > 1 })")
        #expect(ids.allSatisfy { $0.range(of: "^[a-z0-9_]+$", options: .regularExpression) != nil })
        #expect(CheckCatalogue.check(id: "bp_required_reviews")?.definition.title == "At least one approving review before merge")
        #expect(CheckCatalogue.check(id: "no_such_check") == nil)
    }

    /// The ids of the reference catalogue (`github-checks.md` §1) that AuditMate implements.
    static let referenceIDs = [
        "org_2fa_required", "org_default_repo_permission", "org_public_repo_creation_restricted", "org_owner_count",
        "org_audit_log_available", "webhooks_secure", "members_2fa_enabled", "repo_privileged_access", "member_inactive",
        "pat_hygiene", "deploy_keys_read_only", "repo_visibility_expected", "repo_inactive_or_archived",
        "bp_default_branch_protected", "bp_required_reviews", "bp_dismiss_stale_reviews", "bp_code_owner_reviews",
        "bp_required_status_checks", "bp_enforce_admins", "bp_no_force_push", "bp_no_deletion", "bp_signed_commits",
        "bp_linear_history", "rulesets_enforced_no_bypass", "secret_scanning_enabled", "secret_push_protection_enabled",
        "dependabot_alerts_enabled", "dependabot_security_updates", "dependabot_open_alerts", "code_scanning_enabled",
        "codeowners_present", "security_policy_present", "license_present", "actions_default_token_read_only",
        "actions_cannot_approve_prs", "actions_allowed_actions_restricted", "actions_sha_pinned",
        "actions_runner_groups_private", "actions_secrets_rotated", "actions_repo_policy_not_weaker",
    ]

    @Test func followsTheReferenceCatalogue() {
        #expect(Self.checks.map(\.definition.id) == Self.referenceIDs)
    }

    @Test(arguments: checks.map(\.definition)) func definitionIsComplete(_ definition: CheckDefinition) {
        #expect(!definition.title.isEmpty)
        #expect(definition.rationale.count > 40)
        #expect(definition.remediation.count > 40)
        #expect(!(definition.controls.soc2 + definition.controls.iso27001).isEmpty)
        #expect(definition.controls.soc2.allSatisfy { $0.hasPrefix("CC") || $0.hasPrefix("C1") })
        #expect(definition.controls.iso27001.allSatisfy { $0.hasPrefix("A.") })
        #expect(CheckFamily.allCases.contains(definition.family))
    }

    @Test func everyFamilyIsPresentInReportOrder() {
        let families = Self.checks.map(\.definition.family)
        #expect(Set(families) == [.organization, .access, .repository, .actions])
        // Report order: a family's checks are contiguous, organization → access → repository → actions.
        var order: [CheckFamily] = []
        for family in families where order.last != family { order.append(family) }
        #expect(order == [.organization, .access, .repository, .actions])
    }

    @Test func everyCheckRequestsAbsolutePathsForItsScope() {
        for check in Self.checks {
            let target = check.definition.scope == .organization ? Self.organization : Self.repository
            let requests = check.requests(for: target)
            #expect(!requests.isEmpty, "\(check.definition.id)")
            for request in requests {
                #expect(request.path.hasPrefix("/"), "\(check.definition.id): \(request.path)")
                #expect(!request.path.contains("://"), "\(check.definition.id): \(request.path)")
                #expect(!request.path.contains("per_page=100"), "the scan adds per_page to lists: \(request.path)")
            }
        }
    }

    /// The same URL must be declared the same way by every check, or the scan fetches it twice
    /// (or reads one page where another check needs all).
    @Test func sharedPathsAgreeOnPaging() {
        var paging: [String: Bool] = [:]
        for check in Self.checks {
            let target = check.definition.scope == .organization ? Self.organization : Self.repository
            for request in check.requests(for: target) {
                if let earlier = paging[request.path] {
                    #expect(earlier == request.allPages, "\(request.path) declared with different allPages")
                }
                paging[request.path] = request.allPages
            }
        }
    }

    /// Without any answer (a scan that fetched nothing), no check may FAIL: it could not see.
    @Test func missingAnswersAreNeverFail() {
        for check in Self.checks {
            let target = check.definition.scope == .organization ? Self.organization : Self.repository
            let verdict = check.evaluate(CheckInput(target: target, answers: [:], now: Fixture.now))
            #expect(verdict.status == .error, "\(check.definition.id): \(verdict.sentence)")
        }
    }
}
