/// A failed outbound request, as the tenant may see it: the message names what happened to "the
/// GitHub host" (or whichever peer), never an address, a port or a library's error text. That
/// detail goes to the log where the guard catches it.
public enum OutboundError: Error, Equatable, Sendable {
    /// Refused before connecting.
    case refused(OutboundRefusal)
    case connectFailed
    case tlsFailed
    case timedOut
    /// A redirect to another scheme, host or port than the base URL's.
    case redirectedOutside
    case tooManyRedirects
    /// The answer was larger than the limit (bytes).
    case tooLarge(limit: Int)

    /// A sentence about `peer` ("the GitHub host") for the tenant.
    public func message(peer: String) -> String {
        switch self {
        case .refused(let refusal): "\(peer) was not contacted: \(refusal.description)"
        case .connectFailed: "could not connect to \(peer)"
        case .tlsFailed: "TLS handshake with \(peer) failed"
        case .timedOut: "\(peer) did not answer in time"
        case .redirectedOutside: "\(peer) redirected outside its base URL"
        case .tooManyRedirects: "\(peer) redirected too many times"
        case .tooLarge(let limit): "the answer of \(peer) is larger than \(limit) bytes"
        }
    }

    /// Whether trying again later may help (the peer was unreachable rather than refused).
    public var isTransient: Bool {
        switch self {
        case .connectFailed, .tlsFailed, .timedOut: true
        default: false
        }
    }
}
