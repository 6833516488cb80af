import Foundation

/// One compliance check of the catalogue: what it needs from GitHub, and how it decides.
///
/// Checks are pure: the scan fetches the requests every check of a target declares (each URL once
/// per scan, through the GitHub client), then hands each check the answers. So a check is tested
/// with fixture answers alone, and every verdict can be replayed from its stored evidence.
public protocol ComplianceCheck: Sendable {
    var definition: CheckDefinition { get }
    /// The GitHub requests the check reads for `target` (paths relative to the API base).
    func requests(for target: CheckTarget) -> [CheckRequest]
    /// Requests that can only be named from the answers to `requests(for:)`: each workflow file a
    /// directory listing names, each ruleset a list names by id. The scan asks this once, after the
    /// first round, fetches what it returns and hands `evaluate` the answers of both rounds. Most
    /// checks need none (the default); a scan that skips this round leaves those answers missing,
    /// which the checks report as ERROR, never FAIL.
    func followUpRequests(_ input: CheckInput) -> [CheckRequest]
    /// PASS / FAIL / ERROR / NOT_APPLICABLE with a sentence saying what was seen. ERROR (could not
    /// see) is never reported as FAIL.
    func evaluate(_ input: CheckInput) -> CheckVerdict
}

extension ComplianceCheck {
    public func followUpRequests(_ input: CheckInput) -> [CheckRequest] { [] }
}

public enum Severity: String, Codable, CaseIterable, Sendable {
    case high = "HIGH"
    case medium = "MEDIUM"
    case low = "LOW"

    /// Weight in the audit score.
    public var weight: Int {
        switch self {
        case .high: 5
        case .medium: 3
        case .low: 1
        }
    }
}

public enum CheckStatus: String, Codable, CaseIterable, Sendable {
    case pass = "PASS"
    case fail = "FAIL"
    case error = "ERROR"
    case notApplicable = "NOT_APPLICABLE"
}

/// Whether a check runs once per GitHub organization or once per repository.
public enum CheckScope: String, Codable, Sendable {
    case organization
    case repository
}

/// SOC 2 (2017 Trust Services Criteria) and ISO/IEC 27001:2022 Annex A controls a check supports.
public struct ControlMapping: Equatable, Sendable {
    public let soc2: [String]
    public let iso27001: [String]

    public init(soc2: [String], iso27001: [String]) {
        self.soc2 = soc2
        self.iso27001 = iso27001
    }
}

/// The catalogue's families, as `GET /api/v1/checks/` names them.
public enum CheckFamily: String, Codable, CaseIterable, Sendable {
    case organization
    case access
    case repository
    case actions
}

/// What the catalogue says about a check (served by `GET /api/v1/checks/`).
public struct CheckDefinition: Equatable, Sendable {
    /// Stable id, e.g. `org_2fa_required`.
    public let id: String
    public let title: String
    public let severity: Severity
    public let scope: CheckScope
    public let family: CheckFamily
    /// Why it matters (shown in findings).
    public let rationale: String
    /// How to fix a failure.
    public let remediation: String
    public let controls: ControlMapping

    public init(
        id: String,
        title: String,
        severity: Severity,
        scope: CheckScope,
        family: CheckFamily,
        rationale: String,
        remediation: String,
        controls: ControlMapping
    ) {
        self.id = id
        self.title = title
        self.severity = severity
        self.scope = scope
        self.family = family
        self.rationale = rationale
        self.remediation = remediation
        self.controls = controls
    }
}

/// What a check runs against: the GitHub organization, and for repository checks the repository.
public struct CheckTarget: Equatable, Sendable {
    public let organization: String
    public let repository: RepositoryFacts?

    public init(organization: String, repository: RepositoryFacts? = nil) {
        self.organization = organization
        self.repository = repository
    }

    /// `acme` or `acme/api`: how evidence names the resource.
    public var resource: String { repository?.fullName ?? organization }
}

/// The repository fields checks rely on, from `GET /orgs/{org}/repos` or `GET /repos/{o}/{r}`.
public struct RepositoryFacts: Equatable, Sendable {
    public let owner: String
    public let name: String
    public let defaultBranch: String
    public let isPrivate: Bool
    /// `public`, `private` or `internal`.
    public let visibility: String
    public let archived: Bool
    /// `permissions.admin` of the credential: only then does a 404 mean "disabled" rather than "hidden".
    public let isAdmin: Bool
    public let pushedAt: Date?

    public var fullName: String { "\(owner)/\(name)" }

    public init(
        owner: String,
        name: String,
        defaultBranch: String,
        isPrivate: Bool,
        visibility: String,
        archived: Bool,
        isAdmin: Bool,
        pushedAt: Date?
    ) {
        self.owner = owner
        self.name = name
        self.defaultBranch = defaultBranch
        self.isPrivate = isPrivate
        self.visibility = visibility
        self.archived = archived
        self.isAdmin = isAdmin
        self.pushedAt = pushedAt
    }

    /// From a repository object of GitHub's API; nil when it lacks the essentials.
    public init?(githubJSON object: [String: Any]) {
        guard let name = object["name"] as? String,
            let owner = (object["owner"] as? [String: Any])?["login"] as? String
                ?? (object["full_name"] as? String)?.split(separator: "/").first.map(String.init)
        else { return nil }
        let isPrivate = object["private"] as? Bool ?? false
        self.init(
            owner: owner,
            name: name,
            defaultBranch: object["default_branch"] as? String ?? "main",
            isPrivate: isPrivate,
            visibility: object["visibility"] as? String ?? (isPrivate ? "private" : "public"),
            archived: object["archived"] as? Bool ?? false,
            isAdmin: ((object["permissions"] as? [String: Any])?["admin"] as? Bool) ?? false,
            pushedAt: (object["pushed_at"] as? String).flatMap { try? Date($0, strategy: .iso8601) }
        )
    }
}

/// One request a check needs. `allPages` requests are read to the end of their `Link` chain.
public struct CheckRequest: Hashable, Sendable {
    public let path: String
    public let allPages: Bool

    public init(_ path: String, allPages: Bool = false) {
        self.path = path
        self.allPages = allPages
    }
}

/// GitHub's answer to one request, as a check sees it.
public enum CheckAnswer: Sendable {
    /// 2xx: the response, or every page of a list, each body parsed once.
    case answered([ParsedResponse])
    /// A classified failure (its response, when GitHub answered, is evidence too).
    case failure(GitHubError)

    /// A 2xx answer; the bodies are parsed here, once per scan, not by every check that reads them.
    public static func success(_ responses: [GitHubResponse]) -> CheckAnswer {
        .answered(responses.map(ParsedResponse.init))
    }

    /// The responses to keep as evidence.
    public var responses: [GitHubResponse] {
        switch self {
        case .answered(let parsed): parsed.map(\.response)
        case .failure(let error): error.response.map { [$0] } ?? []
        }
    }

    /// The JSON object of a single 2xx answer.
    public var object: [String: Any]? {
        guard case .answered(let parsed) = self else { return nil }
        return parsed.first?.json as? [String: Any]
    }

    /// The items of a 2xx list, all pages concatenated (`key` for wrapped lists).
    public func items(key: String? = nil) -> [[String: Any]]? {
        guard case .answered(let parsed) = self else { return nil }
        return parsed.flatMap { page -> [[String: Any]] in
            let list = key.map { (page.json as? [String: Any])?[$0] } ?? page.json
            return list as? [[String: Any]] ?? []
        }
    }

    /// The HTTP status of a single answer (204 for "No Content" checks).
    public var status: Int? {
        switch self {
        case .answered(let parsed): parsed.first?.response.status
        case .failure(let error): error.response?.status
        }
    }

    public var error: GitHubError? {
        if case .failure(let error) = self { return error }
        return nil
    }
}

/// The answers to a check's requests, with the target they were asked about.
public struct CheckInput: Sendable {
    public let target: CheckTarget
    public let answers: [CheckRequest: CheckAnswer]
    public let now: Date

    public init(target: CheckTarget, answers: [CheckRequest: CheckAnswer], now: Date = .now) {
        self.target = target
        self.answers = answers
        self.now = now
    }

    /// The answer to `request`; a request the scan did not make reads as GitHub being unavailable.
    public func answer(_ request: CheckRequest) -> CheckAnswer {
        answers[request] ?? .failure(GitHubError(.unavailable, message: "not fetched: \(request.path)"))
    }

    public func answer(_ path: String, allPages: Bool = false) -> CheckAnswer {
        answer(CheckRequest(path, allPages: allPages))
    }
}

/// A check's decision and the sentence an auditor reads.
public struct CheckVerdict: Equatable, Sendable {
    public let status: CheckStatus
    public let sentence: String

    public init(_ status: CheckStatus, _ sentence: String) {
        self.status = status
        self.sentence = sentence
    }

    public static func pass(_ sentence: String) -> CheckVerdict { CheckVerdict(.pass, sentence) }
    public static func fail(_ sentence: String) -> CheckVerdict { CheckVerdict(.fail, sentence) }
    public static func error(_ sentence: String) -> CheckVerdict { CheckVerdict(.error, sentence) }
    public static func notApplicable(_ sentence: String) -> CheckVerdict { CheckVerdict(.notApplicable, sentence) }

    /// The verdict for a GitHub failure a check has no special meaning for: plan limits are
    /// NOT_APPLICABLE, everything else ERROR (could not see), naming what was missing.
    public static func couldNotSee(_ error: GitHubError, what: String) -> CheckVerdict {
        switch error.kind {
        case .planRestricted:
            return .notApplicable("\(what) is not available on this plan: \(error.message)")
        case .ssoRequired:
            return .error("Could not read \(what): the token is not authorized for the organization's SAML SSO.")
        case .rateLimited, .secondaryRateLimited:
            return .error("Could not read \(what): GitHub's rate limit was reached.")
        default:
            var sentence = "Could not read \(what): \(error.message)"
            if let needed = error.acceptedPermissions, !needed.isEmpty { sentence += " (the credential needs \(needed))" }
            return .error(sentence + ".")
        }
    }
}
