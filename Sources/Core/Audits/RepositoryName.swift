import Foundation

/// A repository as an audit or a schedule targets it: `owner/name`, each part letters, digits,
/// `-`, `_` or `.`. Parsed once where a request names one; code past that point holds a valid name.
public struct RepositoryName: Hashable, Sendable, CustomStringConvertible {
    public let owner: String
    public let name: String

    /// The name, surrounding spaces ignored; nil when it is not `owner/name`.
    public init?(_ raw: String) {
        let text = raw.trimmingCharacters(in: .whitespaces)
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isLetter || $0.isNumber || "-_.".contains($0) } })
        else { return nil }
        owner = String(parts[0])
        name = String(parts[1])
    }

    /// `owner/name`, as stored and shown.
    public var description: String { "\(owner)/\(name)" }

    /// The field error for a name that does not parse.
    static let invalid = "Enter a repository as owner/name."

    /// A request's optional repository field: nil when absent or blank, else the parsed name, or
    /// the field error in `errors` under `field`.
    static func parse(_ raw: String?, field: String, into errors: inout [String: [String]]) -> RepositoryName? {
        guard let raw, !raw.trimmingCharacters(in: .whitespaces).isEmpty else { return nil }
        guard let parsed = RepositoryName(raw) else {
            errors[field] = [invalid]
            return nil
        }
        return parsed
    }
}
