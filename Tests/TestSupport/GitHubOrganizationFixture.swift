import Core
import Foundation

/// A GitHub organization as the fake serves it: the organization, its repositories, and a
/// well-formed 200 answer for every other request the check catalogue makes (an empty list or an
/// empty object), so that scans read real JSON with ETags rather than 404s. Tests then override
/// the resources they care about.
public enum GitHubOrganizationFixture {
    public static func populate(_ world: inout FakeGitHub.World, login: String, repositories count: Int, archived: Int = 0) {
        world.set(
            "/orgs/\(login)",
            json: [
                "login": login, "id": 42, "two_factor_requirement_enabled": false, "default_repository_permission": "read",
                "members_can_create_public_repositories": false, "plan": ["name": "team"],
                "public_repos": 0, "total_private_repos": count + archived,
            ]
        )
        let repositories: [[String: Any]] = (0..<(count + archived)).map { index in
            [
                "id": 1000 + index, "name": "repo-\(index + 1)", "full_name": "\(login)/repo-\(index + 1)",
                "owner": ["login": login, "type": "Organization"], "private": true, "visibility": "private",
                "archived": index >= count, "default_branch": "main", "pushed_at": "2026-11-01T10:00:00Z",
                "permissions": ["admin": true, "push": true, "pull": true],
            ]
        }
        world.set("/orgs/\(login)/repos", json: repositories)

        let targets =
            [CheckTarget(organization: login)]
            + repositories.compactMap(RepositoryFacts.init(githubJSON:)).filter { !$0.archived }.map {
                CheckTarget(organization: login, repository: $0)
            }
        for target in targets {
            for check in CheckCatalogue.all where (check.definition.scope == .repository) == (target.repository != nil) {
                for request in check.requests(for: target) {
                    let path = request.path
                    guard world.resources[path] == nil else { continue }
                    world.set(path, json: request.allPages ? [Any]() : [String: Any]())
                }
            }
        }
    }
}
