import Foundation

/// Request paths the check families share. Shared requests must be spelled identically so the scan
/// fetches each URL once, so they are built here and nowhere else.
enum CheckPaths {
    /// RFC 3986 unreserved characters: everything else in a path segment is percent-encoded, so a
    /// branch such as `release/1.x` stays one segment.
    private static let unreserved = CharacterSet(
        charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~"
    )

    static func segment(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: unreserved) ?? value
    }

    /// A file path inside a repository: each segment encoded, the slashes kept.
    static func filePath(_ path: String) -> String {
        path.split(separator: "/").map { segment(String($0)) }.joined(separator: "/")
    }

    static func organization(_ organization: String) -> String { "/orgs/\(segment(organization))" }

    static func repository(_ repository: RepositoryFacts) -> String {
        "/repos/\(segment(repository.owner))/\(segment(repository.name))"
    }
}

extension CheckRequest {
    /// `GET /orgs/{org}`: the settings several organization checks read.
    static func organization(_ organization: String) -> CheckRequest {
        CheckRequest(CheckPaths.organization(organization))
    }

    /// `GET /repos/{o}/{r}`: the full repository object, `security_and_analysis` included.
    static func repository(_ repository: RepositoryFacts) -> CheckRequest {
        CheckRequest(CheckPaths.repository(repository))
    }
}

/// A check that runs once per repository. It gets the repository unwrapped, and archived
/// repositories (read-only, so the rule no longer applies) are NOT_APPLICABLE without asking it.
protocol RepositoryCheck: ComplianceCheck {
    /// True only for checks about archiving itself.
    var evaluatesArchived: Bool { get }
    func requests(for repository: RepositoryFacts, organization: String) -> [CheckRequest]
    func followUpRequests(_ input: CheckInput, repository: RepositoryFacts) -> [CheckRequest]
    func evaluate(_ input: CheckInput, repository: RepositoryFacts) -> CheckVerdict
}

extension RepositoryCheck {
    var evaluatesArchived: Bool { false }

    func followUpRequests(_ input: CheckInput, repository: RepositoryFacts) -> [CheckRequest] { [] }

    func requests(for target: CheckTarget) -> [CheckRequest] {
        guard let repository = target.repository else { return [] }
        // The repository object alone proves an archived repository is out of scope.
        if repository.archived && !evaluatesArchived { return [.repository(repository)] }
        return requests(for: repository, organization: target.organization)
    }

    func followUpRequests(_ input: CheckInput) -> [CheckRequest] {
        guard let repository = input.target.repository, !repository.archived || evaluatesArchived else { return [] }
        return followUpRequests(input, repository: repository)
    }

    func evaluate(_ input: CheckInput) -> CheckVerdict {
        guard let repository = input.target.repository else {
            return .error("\(definition.id) runs per repository, but the audit target \(input.target.resource) names none.")
        }
        if repository.archived && !evaluatesArchived {
            return .notApplicable("\(repository.fullName) is archived (read-only), so this rule no longer applies.")
        }
        return evaluate(input, repository: repository)
    }
}

/// What a check got from a read: the value it decides from, or a verdict already reached.
enum Outcome<Value> {
    case value(Value)
    case decided(CheckVerdict)
}

extension RepositoryCheck {
    /// The full repository object (`GET /repos/{o}/{r}`), or the verdict for not having it.
    func repositoryObject(_ input: CheckInput, _ repository: RepositoryFacts) -> Outcome<[String: Any]> {
        let answer = input.answer(.repository(repository))
        if let error = answer.error { return .decided(.couldNotSee(error, what: repository.fullName)) }
        guard let object = answer.object else {
            return .decided(.error("GitHub's answer for \(repository.fullName) was not a repository object."))
        }
        return .value(object)
    }
}

extension GitHubError {
    /// Whether the answer proves the feature is off, rather than hidden from the credential.
    /// A 403 "... disabled" is GitHub speaking to someone allowed to ask; a 404 "... disabled" is
    /// trusted only when the credential is a repository admin, because GitHub answers 404 to hide
    /// what a caller may not see.
    func provesDisabled(for repository: RepositoryFacts?) -> Bool {
        guard kind == .featureDisabled else { return false }
        if response?.status == 404 { return repository?.isAdmin == true }
        return true
    }

    /// True for GitHub's "not found" answers, whatever message they carry.
    var isNotFound: Bool { response?.status == 404 && kind != .ssoRequired }
}

extension CheckVerdict {
    /// ERROR for a 404 "... disabled" answer the credential cannot be trusted on (not an admin).
    static func unverifiedDisabled(_ error: GitHubError, what: String) -> CheckVerdict {
        .error(
            "GitHub answered \"\(error.message)\" for \(what), but the credential is not a repository admin, "
                + "so the setting may be hidden rather than off."
        )
    }
}

/// How sentences name what was seen: capped lists, counts, dates.
enum Sentence {
    /// `a, b, c and 4 more`: long lists are capped so a sentence stays readable.
    static func list(_ items: [String], limit: Int = 5) -> String {
        guard !items.isEmpty else { return "none" }
        let shown = items.prefix(limit).joined(separator: ", ")
        return items.count > limit ? "\(shown) and \(items.count - limit) more" : shown
    }

    /// `1 repository`, `3 repositories`.
    static func count(_ count: Int, _ singular: String, _ plural: String? = nil) -> String {
        "\(count) \(count == 1 ? singular : plural ?? singular + "s")"
    }

    /// A JSON scalar as GitHub wrote it (`true`, `write`, `2`): Foundation hands JSON booleans over
    /// as NSNumber, whose plain description would read 1 or 0.
    static func value(_ value: Any) -> String {
        if let number = value as? NSNumber, String(cString: number.objCType) == "c" { return number.boolValue ? "true" : "false" }
        return "\(value)"
    }

    /// `2026-02-02`.
    static func day(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate]
        return formatter.string(from: date)
    }
}

/// Timestamps as GitHub writes them: ISO 8601 strings (with or without fractional seconds), or
/// epoch milliseconds in the audit log's `@timestamp`. Anything outside the years 1970-9999 is no
/// date at all, so no later arithmetic on it can overflow.
enum GitHubDate {
    static func parse(_ value: Any?) -> Date? {
        if let string = value as? String {
            let date =
                (try? Date(string, strategy: .iso8601))
                ?? (try? Date(string, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)))
            return date.flatMap { OutsideValue.isPlausible($0) ? $0 : nil }
        }
        return OutsideValue.epochMilliseconds(json: value)
    }

    /// Whole days from `date` to `now`.
    static func days(from date: Date, to now: Date) -> Int {
        let days = now.timeIntervalSince(date) / 86_400
        return days.isFinite ? Int(max(-3_000_000, min(3_000_000, days))) : 0
    }
}

extension Dictionary where Key == String, Value == Any {
    /// The value at a path of nested object keys, e.g. `["security_and_analysis", "secret_scanning", "status"]`.
    func value(at path: [String]) -> Any? {
        var current: Any? = self
        for key in path {
            guard let object = current as? [String: Any] else { return nil }
            current = object[key]
        }
        return current
    }

    func string(at path: String...) -> String? { value(at: path) as? String }
    func bool(at path: String...) -> Bool? { value(at: path) as? Bool }
    func object(at path: String...) -> [String: Any]? { value(at: path) as? [String: Any] }
    func int(at path: String...) -> Int? { value(at: path) as? Int }
}

extension String {
    /// The sentence without its final period, to embed it in another.
    func dropLastPeriod() -> String { hasSuffix(".") ? String(dropLast()) : self }
}
