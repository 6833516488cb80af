import Foundation
import Testing

@testable import Core

/// GitHub answers as the scan would hand them to a check, built from JSON text, and a runner that
/// matches fixture paths to the requests a check declares (so a fixture for a path the check never
/// asks for is a test failure, not silently ignored).
enum Fixture {
    /// 2026-03-01T00:00:00Z: every test's "now".
    static let now = Date(timeIntervalSince1970: 1_772_323_200)

    /// `now` minus `days`, as GitHub writes timestamps.
    static func daysAgo(_ days: Int) -> String {
        Date(timeInterval: -Double(days) * 86_400, since: now).formatted(.iso8601)
    }

    static func response(_ json: String, status: Int = 200, headers: [String: String] = [:], url: String = "https://api.github.com/x")
        -> GitHubResponse
    {
        GitHubResponse(url: url, status: status, headers: headers, body: Array(json.utf8))
    }

    /// A 200 answer.
    static func ok(_ json: String, headers: [String: String] = [:]) -> CheckAnswer {
        .success([response(json, headers: headers)])
    }

    /// A list read over several pages (each page's `link` points at the next).
    static func pages(_ pages: String...) -> CheckAnswer {
        .success(
            pages.enumerated().map { index, json in
                let link = index < pages.count - 1 ? ["link": "<https://api.github.com/x?page=\(index + 2)>; rel=\"next\""] : [:]
                return response(json, headers: link)
            }
        )
    }

    /// 204 No Content.
    static let noContent = CheckAnswer.success([GitHubResponse(url: "https://api.github.com/x", status: 204, headers: [:], body: [])])

    /// A failure classified exactly as the client classifies GitHub's answer.
    static func failure(_ status: Int, _ message: String, headers: [String: String] = [:]) -> CheckAnswer {
        let body = #"{"message":"\#(message)","documentation_url":"https://docs.github.com/rest","status":"\#(status)"}"#
        return .failure(GitHubError.classify(response(body, status: status, headers: headers)))
    }

    static let branchNotProtected = failure(404, "Branch not protected")
    static let notFound = failure(404, "Not Found")
    static let upgrade = failure(403, "Upgrade to GitHub Pro or make this repository public to enable this feature.")
    static let advancedSecurity = failure(403, "Advanced Security must be enabled for this repository to use code scanning.")
    static let noIntegrationAccess = failure(
        403,
        "Resource not accessible by integration",
        headers: ["x-accepted-github-permissions": "administration=read"]
    )
    static let noTokenAccess = failure(403, "Resource not accessible by personal access token")
    static let sso = failure(
        403,
        "Resource protected by organization SAML enforcement. You must grant your Personal Access token access to this organization.",
        headers: ["x-github-sso": "required; url=https://github.com/orgs/acme/sso?authorization_request=abc"]
    )
    static let onlyOwners = failure(422, "Only owners can use this filter.")
    static let rateLimited = CheckAnswer.failure(
        GitHubError(
            .rateLimited,
            message: "API rate limit exceeded",
            response: response(#"{"message":"API rate limit exceeded"}"#, status: 403)
        )
    )
    static let serverError = failure(502, "Server Error")

    static func repository(
        name: String = "api",
        visibility: String = "private",
        archived: Bool = false,
        admin: Bool = true,
        defaultBranch: String = "main",
        pushedDaysAgo: Int = 3
    ) -> RepositoryFacts {
        RepositoryFacts(
            owner: "acme",
            name: name,
            defaultBranch: defaultBranch,
            isPrivate: visibility != "public",
            visibility: visibility,
            archived: archived,
            isAdmin: admin,
            pushedAt: Date(timeInterval: -Double(pushedDaysAgo) * 86_400, since: now)
        )
    }

    static let organization = CheckTarget(organization: "acme")

    static func target(_ repository: RepositoryFacts = repository()) -> CheckTarget {
        CheckTarget(organization: "acme", repository: repository)
    }

    /// Runs `check` with answers keyed by path. Paths must be ones the check declares, first round
    /// or follow-up; a declared request without a fixture reads as "not fetched" (ERROR).
    static func run(
        _ check: some ComplianceCheck,
        _ target: CheckTarget = organization,
        _ answers: [String: CheckAnswer],
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> CheckVerdict {
        var byRequest: [CheckRequest: CheckAnswer] = [:]
        var remaining = answers
        for request in check.requests(for: target) {
            if let answer = remaining.removeValue(forKey: request.path) { byRequest[request] = answer }
        }
        let firstRound = CheckInput(target: target, answers: byRequest, now: now)
        for request in check.followUpRequests(firstRound) {
            if let answer = remaining.removeValue(forKey: request.path) { byRequest[request] = answer }
        }
        #expect(
            remaining.isEmpty,
            "fixtures for paths \(check.definition.id) does not request: \(remaining.keys.sorted())",
            sourceLocation: sourceLocation
        )
        return check.evaluate(CheckInput(target: target, answers: byRequest, now: now))
    }
}

/// Asserts a verdict's status and that its sentence contains each fragment.
func expectVerdict(
    _ verdict: CheckVerdict,
    _ status: CheckStatus,
    _ fragments: String...,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(verdict.status == status, "\(verdict.sentence)", sourceLocation: sourceLocation)
    for fragment in fragments {
        #expect(verdict.sentence.contains(fragment), "\"\(verdict.sentence)\" lacks \"\(fragment)\"", sourceLocation: sourceLocation)
    }
}
