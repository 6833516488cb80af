/// "No such X in your organization": the one not-found of every domain. The API answers every kind
/// with the same 404 `Not found.`, so a caller cannot tell another organization's resource from one
/// that never existed; the kind is for logs and tests.
public struct NotFound: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Resource: String, Sendable {
        case organization
        case membership
        case user
        case invitation
        case integration
        case audit
        case evidence
        case report
        case schedule
        case subscription
        case tokenFamily = "token family"
    }

    public let resource: Resource

    public init(_ resource: Resource) {
        self.resource = resource
    }

    public var description: String { "no such \(resource.rawValue)" }
}
