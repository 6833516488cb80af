import Foundation
import Testing

@testable import Core

@Suite("Actions checks")
struct ActionsChecksTests {
    static let orgWorkflow = "/orgs/acme/actions/permissions/workflow"
    static let repoWorkflow = "/repos/acme/api/actions/permissions/workflow"
    static let orgPermissions = "/orgs/acme/actions/permissions"
    static let selectedActions = "/orgs/acme/actions/permissions/selected-actions"
    static let repoPermissions = "/repos/acme/api/actions/permissions"
    static let archived = Fixture.target(Fixture.repository(archived: true))

    static func workflow(_ permissions: String = "read", approve: Bool = false) -> CheckAnswer {
        Fixture.ok(#"{"default_workflow_permissions":"\#(permissions)","can_approve_pull_request_reviews":\#(approve)}"#)
    }

    // MARK: actions_default_token_read_only

    @Test func defaultTokenReadOnly() {
        let check = ActionsChecks.DefaultTokenReadOnly()
        func run(org: CheckAnswer, repo: CheckAnswer) -> CheckVerdict {
            Fixture.run(check, Fixture.target(), [Self.orgWorkflow: org, Self.repoWorkflow: repo])
        }
        expectVerdict(run(org: Self.workflow(), repo: Self.workflow()), .pass, "the organization and the repository both set read")
        expectVerdict(
            run(org: Self.workflow("write"), repo: Self.workflow("write")),
            .fail,
            "the organization sets default_workflow_permissions to write and the repository sets default_workflow_permissions to write"
        )
        expectVerdict(
            run(org: Self.workflow("write"), repo: Self.workflow()),
            .fail,
            "the organization sets default_workflow_permissions to write"
        )
        // A read-only organization default caps every repository.
        expectVerdict(run(org: Self.workflow(), repo: Fixture.noIntegrationAccess), .pass, "which its repositories cannot loosen")
        expectVerdict(run(org: Fixture.noTokenAccess, repo: Self.workflow()), .error, "organization's workflow permissions")
        expectVerdict(run(org: Self.workflow(), repo: Fixture.ok(#"{"can_approve_pull_request_reviews":false}"#)), .pass, "cannot loosen")
        expectVerdict(run(org: Fixture.sso, repo: Fixture.ok("{}")), .error, "SAML SSO")
        expectVerdict(Fixture.run(check, Self.archived, [:]), .notApplicable, "archived")
    }

    // MARK: actions_cannot_approve_prs

    @Test func cannotApprovePullRequests() {
        let check = ActionsChecks.CannotApprovePullRequests()
        func run(org: CheckAnswer, repo: CheckAnswer) -> CheckVerdict {
            Fixture.run(check, Fixture.target(), [Self.orgWorkflow: org, Self.repoWorkflow: repo])
        }
        expectVerdict(run(org: Self.workflow(), repo: Self.workflow()), .pass, "both set false")
        expectVerdict(
            run(org: Self.workflow(), repo: Self.workflow(approve: true)),
            .fail,
            "the repository sets can_approve_pull_request_reviews to true"
        )
        expectVerdict(run(org: Self.workflow(), repo: Fixture.notFound), .pass, "cannot loosen")
        expectVerdict(run(org: Fixture.notFound, repo: Self.workflow()), .error, "Not Found")
        expectVerdict(
            run(org: Fixture.ok(#"{"default_workflow_permissions":"read"}"#), repo: Self.workflow()),
            .error,
            "did not show can_approve_pull_request_reviews"
        )
        expectVerdict(Fixture.run(check, Self.archived, [:]), .notApplicable, "archived")
    }

    // MARK: actions_allowed_actions_restricted

    static func permissions(enabled: String = "all", allowed: String, pinning: Bool = false) -> CheckAnswer {
        Fixture.ok(
            #"{"enabled_repositories":"\#(enabled)","allowed_actions":"\#(allowed)","selected_actions_url":"https://api.github.com/orgs/acme/actions/permissions/selected-actions","sha_pinning_required":\#(pinning)}"#
        )
    }

    @Test func allowedActionsRestricted() {
        let check = ActionsChecks.AllowedActionsRestricted()
        let selected = Fixture.ok(
            #"{"github_owned_allowed":true,"verified_allowed":false,"patterns_allowed":["acme/*","docker/login-action@*"]}"#
        )
        expectVerdict(
            Fixture.run(
                check,
                Fixture.organization,
                [Self.orgPermissions: Self.permissions(enabled: "selected", allowed: "selected"), Self.selectedActions: selected]
            ),
            .pass,
            "(Actions enabled for selected repositories): GitHub-owned actions, 2 patterns (acme/*, docker/login-action@*)"
        )
        expectVerdict(
            Fixture.run(check, Fixture.organization, [Self.orgPermissions: Self.permissions(allowed: "local_only")]),
            .pass,
            "only allows actions from its own repositories"
        )
        expectVerdict(
            Fixture.run(check, Fixture.organization, [Self.orgPermissions: Self.permissions(enabled: "none", allowed: "all")]),
            .pass,
            "disabled for every repository"
        )
        expectVerdict(
            Fixture.run(check, Fixture.organization, [Self.orgPermissions: Self.permissions(allowed: "all")]),
            .fail,
            "allows any action from any repository to run (allowed_actions all) (Actions enabled for all repositories)"
        )
        expectVerdict(Fixture.run(check, Fixture.organization, [Self.orgPermissions: Fixture.noTokenAccess]), .error, "Actions permissions")
        expectVerdict(
            Fixture.run(check, Fixture.organization, [Self.orgPermissions: Self.permissions(allowed: "everything")]),
            .error,
            "unknown allowed_actions value"
        )
        expectVerdict(Fixture.run(check, Fixture.organization, [Self.orgPermissions: Fixture.upgrade]), .notApplicable, "plan")
        // The allow-list is only asked for when it exists.
        let input = CheckInput(
            target: Fixture.organization,
            answers: [CheckRequest(Self.orgPermissions): Self.permissions(allowed: "all")],
            now: Fixture.now
        )
        #expect(check.followUpRequests(input).isEmpty)
    }

    // MARK: actions_sha_pinned

    static let workflowsPath = "/repos/acme/api/contents/.github/workflows"
    static let ciPath = "/repos/acme/api/contents/.github/workflows/ci.yml"
    static let listing = Fixture.ok(
        #"[{"name":"ci.yml","path":".github/workflows/ci.yml","type":"file"},{"name":"README.md","path":".github/workflows/README.md","type":"file"},{"name":"shared","path":".github/workflows/shared","type":"dir"}]"#
    )

    /// A contents-API file answer, base64 with line breaks as GitHub sends it.
    static func file(_ text: String) -> CheckAnswer {
        let content = Data(text.utf8).base64EncodedString(options: .lineLength76Characters)
        let object: [String: Any] = [
            "type": "file", "name": "ci.yml", "path": ".github/workflows/ci.yml", "encoding": "base64", "content": content,
        ]
        return Fixture.ok(String(decoding: try! JSONSerialization.data(withJSONObject: object), as: UTF8.self))
    }

    static let pinnedWorkflow = """
        name: ci
        on: [push]
        jobs:
          test:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2
              - uses: ./.github/actions/setup
              - uses: "docker://alpine@sha256:21a3deaa0d32a8057914f36584b5288d2e5ecc984380bc0118285c70fa8c9300"
          reuse:
            uses: acme/workflows/.github/workflows/build.yml@0123456789abcdef0123456789abcdef01234567
        """

    static let unpinnedWorkflow = """
        jobs:
          test:
            steps:
              - uses: actions/checkout@v4
              - name: login
                uses: 'docker/login-action@master'
              - uses: actions/setup-node@11bd71901bbe5b1630ceea73d27597364c9af683
        """

    static let notEnforced: [String: CheckAnswer] = [
        orgPermissions: permissions(allowed: "all"),
        repoPermissions: Fixture.ok(#"{"enabled":true,"allowed_actions":"all","sha_pinning_required":false}"#),
    ]

    @Test func shaPinnedPasses() {
        let check = ActionsChecks.ShaPinned()
        expectVerdict(
            Fixture.run(check, Fixture.target(), [Self.orgPermissions: Self.permissions(allowed: "selected", pinning: true)]),
            .pass,
            "The organization requires actions to be pinned"
        )
        expectVerdict(
            Fixture.run(
                check,
                Fixture.target(),
                Self.notEnforced.merging([Self.workflowsPath: Self.listing, Self.ciPath: Self.file(Self.pinnedWorkflow)]) { $1 }
            ),
            .pass,
            "All 3 action references in 1 workflow of acme/api are pinned"
        )
        // The organization's settings need admin:org; without them the workflow files still decide.
        expectVerdict(
            Fixture.run(
                check,
                Fixture.target(),
                [
                    Self.orgPermissions: Fixture.noTokenAccess, Self.repoPermissions: Fixture.notFound, Self.workflowsPath: Self.listing,
                    Self.ciPath: Self.file(Self.pinnedWorkflow),
                ]
            ),
            .pass,
            "pinned to a full commit SHA"
        )
    }

    @Test func shaPinnedFails() {
        let check = ActionsChecks.ShaPinned()
        expectVerdict(
            Fixture.run(
                check,
                Fixture.target(),
                Self.notEnforced.merging([Self.workflowsPath: Self.listing, Self.ciPath: Self.file(Self.unpinnedWorkflow)]) { $1 }
            ),
            .fail,
            "2 action references in acme/api use a movable ref: ci.yml: actions/checkout@v4, ci.yml: docker/login-action@master"
        )
    }

    @Test func shaPinnedNotApplicableAndErrors() {
        let check = ActionsChecks.ShaPinned()
        expectVerdict(
            Fixture.run(check, Fixture.target(), Self.notEnforced.merging([Self.workflowsPath: Fixture.notFound]) { $1 }),
            .notApplicable,
            "no .github/workflows"
        )
        expectVerdict(
            Fixture.run(
                check,
                Fixture.target(),
                Self.notEnforced.merging([
                    Self.workflowsPath: Fixture.ok(#"[{"name":"notes.md","path":".github/workflows/notes.md","type":"file"}]"#)
                ]) { $1 }
            ),
            .notApplicable,
            "no workflow files"
        )
        // The scan skipped the follow-up round: the files were never read.
        expectVerdict(
            Fixture.run(check, Fixture.target(), Self.notEnforced.merging([Self.workflowsPath: Self.listing]) { $1 }),
            .error,
            "not fetched"
        )
        expectVerdict(
            Fixture.run(
                check,
                Fixture.target(),
                Self.notEnforced.merging([Self.workflowsPath: Self.listing, Self.ciPath: Fixture.sso]) { $1 }
            ),
            .error,
            "SAML SSO"
        )
        expectVerdict(
            Fixture.run(check, Fixture.target(), Self.notEnforced.merging([Self.workflowsPath: Fixture.noIntegrationAccess]) { $1 }),
            .error,
            "workflows of acme/api"
        )
        expectVerdict(Fixture.run(check, Self.archived, [:]), .notApplicable, "archived")
    }

    @Test func actionReferencesAndPins() {
        let uses = ActionsChecks.ShaPinned.actionReferences(in: Self.pinnedWorkflow + "\n" + Self.unpinnedWorkflow)
        #expect(uses.count == 6)
        #expect(!uses.contains { $0.hasPrefix("./") })
        #expect(ActionsChecks.ShaPinned.isPinned("actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683"))
        #expect(!ActionsChecks.ShaPinned.isPinned("actions/checkout@11BD71901BBE5B1630CEEA73D27597364C9AF683"))
        #expect(!ActionsChecks.ShaPinned.isPinned("actions/checkout@11bd719"))
        #expect(!ActionsChecks.ShaPinned.isPinned("actions/checkout"))
        #expect(!ActionsChecks.ShaPinned.isPinned("docker://alpine:3.20"))
    }

    // MARK: actions_runner_groups_private

    static let runnerGroups = "/orgs/acme/actions/runner-groups"

    static func groups(_ groups: (name: String, visibility: String, publicRepositories: Bool)...) -> CheckAnswer {
        let items = groups.enumerated().map { index, group in
            #"{"id":\#(index + 1),"name":"\#(group.name)","visibility":"\#(group.visibility)","default":\#(index == 0),"allows_public_repositories":\#(group.publicRepositories),"restricted_to_workflows":false}"#
        }
        return Fixture.ok(#"{"total_count":\#(groups.count),"runner_groups":[\#(items.joined(separator: ","))]}"#)
    }

    @Test func runnerGroupsPrivate() {
        let check = ActionsChecks.RunnerGroupsPrivate()
        expectVerdict(
            Fixture.run(
                check,
                Fixture.organization,
                [Self.runnerGroups: Self.groups(("Default", "all", false), ("gpu", "selected", false))]
            ),
            .pass,
            "None of the 2 runner groups of acme accepts public repositories"
        )
        expectVerdict(
            Fixture.run(
                check,
                Fixture.organization,
                [Self.runnerGroups: Self.groups(("Default", "all", true), ("gpu", "selected", false))]
            ),
            .fail,
            "1 of 2 runner groups of acme accept public repositories: \"Default\" (visibility all)"
        )
        expectVerdict(Fixture.run(check, Fixture.organization, [Self.runnerGroups: Fixture.notFound]), .error, "runner groups")
        expectVerdict(Fixture.run(check, Fixture.organization, [Self.runnerGroups: Fixture.upgrade]), .notApplicable, "plan")
    }

    // MARK: actions_secrets_rotated

    static let repoSecrets = "/repos/acme/api/actions/secrets"
    static let orgSecrets = "/repos/acme/api/actions/organization-secrets"

    static func secrets(_ secrets: (name: String, updated: String)...) -> CheckAnswer {
        let items = secrets.map { #"{"name":"\#($0.name)","created_at":"2023-01-01T00:00:00Z","updated_at":"\#($0.updated)"}"# }
        return Fixture.ok(#"{"total_count":\#(secrets.count),"secrets":[\#(items.joined(separator: ","))]}"#)
    }

    @Test func secretsRotated() {
        let check = ActionsChecks.SecretsRotated()
        expectVerdict(
            Fixture.run(
                check,
                Fixture.target(),
                [
                    Self.repoSecrets: Self.secrets(("DEPLOY_TOKEN", Fixture.daysAgo(10))),
                    Self.orgSecrets: Self.secrets(("NPM_TOKEN", Fixture.daysAgo(300))),
                ]
            ),
            .pass,
            "(1 repository and 1 organization) were set within 365 days"
        )
        expectVerdict(
            Fixture.run(
                check,
                Fixture.target(),
                [
                    Self.repoSecrets: Self.secrets(("DEPLOY_TOKEN", "2024-11-30T00:00:00Z")),
                    Self.orgSecrets: Self.secrets(("NPM_TOKEN", Fixture.daysAgo(2))),
                ]
            ),
            .fail,
            "1 Actions secret usable by acme/api not rotated for over 365 days: repository secret DEPLOY_TOKEN (last set 2024-11-30)"
        )
        expectVerdict(
            Fixture.run(
                check,
                Fixture.target(),
                [Self.repoSecrets: Fixture.noIntegrationAccess, Self.orgSecrets: Self.secrets(("OLD", "2020-01-01T00:00:00Z"))]
            ),
            .fail,
            "organization secret OLD"
        )
        expectVerdict(
            Fixture.run(check, Fixture.target(), [Self.repoSecrets: Self.secrets(), Self.orgSecrets: Fixture.noIntegrationAccess]),
            .error,
            "organization Actions secrets"
        )
        expectVerdict(Fixture.run(check, Self.archived, [:]), .notApplicable, "archived")
    }

    // MARK: actions_repo_policy_not_weaker

    static func repositoryPermissions(enabled: Bool = true, allowed: String, pinning: Bool = false) -> CheckAnswer {
        Fixture.ok(#"{"enabled":\#(enabled),"allowed_actions":"\#(allowed)","sha_pinning_required":\#(pinning)}"#)
    }

    @Test func repositoryPolicyNotWeaker() {
        let check = ActionsChecks.RepositoryPolicyNotWeaker()
        func run(org: CheckAnswer, repo: CheckAnswer) -> CheckVerdict {
            Fixture.run(check, Fixture.target(), [Self.orgPermissions: org, Self.repoPermissions: repo])
        }
        expectVerdict(
            run(
                org: Self.permissions(allowed: "selected", pinning: true),
                repo: Self.repositoryPermissions(allowed: "local_only", pinning: true)
            ),
            .pass,
            "allows local_only actions (organization: selected)"
        )
        expectVerdict(
            run(org: Self.permissions(allowed: "selected"), repo: Self.repositoryPermissions(enabled: false, allowed: "all")),
            .pass,
            "disabled on acme/api"
        )
        expectVerdict(
            run(org: Self.permissions(allowed: "selected"), repo: Self.repositoryPermissions(allowed: "all")),
            .fail,
            "allowed_actions is all while the organization requires selected"
        )
        expectVerdict(
            run(org: Self.permissions(allowed: "all", pinning: true), repo: Self.repositoryPermissions(allowed: "all", pinning: false)),
            .fail,
            "sha_pinning_required is false while the organization requires it"
        )
        expectVerdict(run(org: Self.permissions(allowed: "all"), repo: Fixture.failure(409, "Conflict")), .error, "Conflict")
        expectVerdict(
            run(org: Fixture.noTokenAccess, repo: Self.repositoryPermissions(allowed: "all")),
            .error,
            "organization's Actions permissions"
        )
        expectVerdict(Fixture.run(check, Self.archived, [:]), .notApplicable, "archived")
    }
}
