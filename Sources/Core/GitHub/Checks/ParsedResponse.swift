import Foundation

/// A GitHub response with its body parsed: the scan parses each answer once and every check that
/// reads it shares the result.
public struct ParsedResponse: @unchecked Sendable {
    public let response: GitHubResponse
    /// What `JSONSerialization` made of the body, or nil when it is not JSON. Unchecked Sendable
    /// because that value is immutable once parsed: dictionaries, arrays, strings and numbers that
    /// nothing writes to afterwards, so sharing it between the checks' tasks is safe.
    public let json: Any?

    public init(_ response: GitHubResponse) {
        self.response = response
        self.json = response.json()
    }
}
