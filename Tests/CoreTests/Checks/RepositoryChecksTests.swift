import Foundation
import Testing

@testable import Core

@Suite("Repository checks")
struct RepositoryChecksTests {
    static let repoPath = "/repos/acme/api"

    static func repositoryJSON(visibility: String = "private", archived: Bool = false, pushed: String = Fixture.daysAgo(3)) -> CheckAnswer {
        Fixture.ok(
            #"{"id":1,"name":"api","full_name":"acme/api","owner":{"login":"acme"},"private":\#(visibility != "public"),"visibility":"\#(visibility)","archived":\#(archived),"default_branch":"main","pushed_at":"\#(pushed)","created_at":"2023-05-04T10:00:00Z","permissions":{"admin":true}}"#
        )
    }

    // MARK: repo_visibility_expected

    @Test func visibilityExpected() {
        let check = RepositoryChecks.VisibilityExpected()
        expectVerdict(Fixture.run(check, Fixture.target(), [Self.repoPath: Self.repositoryJSON()]), .pass, "acme/api is private")
        expectVerdict(Fixture.run(check, Fixture.target(), [Self.repoPath: Self.repositoryJSON(visibility: "internal")]), .pass, "internal")
        let publicRepository = Fixture.target(Fixture.repository(visibility: "public"))
        expectVerdict(
            Fixture.run(check, publicRepository, [Self.repoPath: Self.repositoryJSON(visibility: "public")]),
            .fail,
            "acme/api is public and not on the approved-public list"
        )
        expectVerdict(Fixture.run(check, Fixture.target(), [Self.repoPath: Fixture.sso]), .error, "SAML SSO")
        expectVerdict(Fixture.run(check, Fixture.target(), [Self.repoPath: Fixture.notFound]), .error, "Could not read acme/api")
        expectVerdict(
            Fixture.run(check, Fixture.target(Fixture.repository(archived: true)), [Self.repoPath: Self.repositoryJSON(archived: true)]),
            .notApplicable,
            "archived"
        )
    }

    // MARK: repo_inactive_or_archived

    @Test func inactiveOrArchived() {
        let check = RepositoryChecks.InactiveOrArchived()
        expectVerdict(
            Fixture.run(check, Fixture.target(), [Self.repoPath: Self.repositoryJSON(pushed: Fixture.daysAgo(10))]),
            .pass,
            "(10 days ago)"
        )
        expectVerdict(
            Fixture.run(check, Fixture.target(), [Self.repoPath: Self.repositoryJSON(pushed: "2025-08-01T12:00:00Z")]),
            .fail,
            "last pushed on 2025-08-01 (211 days ago) but is not archived"
        )
        // Archiving is what this check asks for, so an archived repository passes rather than being skipped.
        let archived = Fixture.target(Fixture.repository(archived: true, pushedDaysAgo: 900))
        #expect(check.requests(for: archived).map(\.path) == [Self.repoPath])
        expectVerdict(
            Fixture.run(check, archived, [Self.repoPath: Self.repositoryJSON(archived: true, pushed: "2023-01-01T00:00:00Z")]),
            .pass,
            "is archived"
        )
        expectVerdict(Fixture.run(check, Fixture.target(), [Self.repoPath: Fixture.rateLimited]), .error, "rate limit")
        expectVerdict(
            Fixture.run(check, Fixture.target(), [Self.repoPath: Fixture.ok(#"{"name":"api","archived":false}"#)]),
            .error,
            "last pushed"
        )
    }
}
