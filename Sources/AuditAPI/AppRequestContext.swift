import Hummingbird

/// The per-request context: Hummingbird's core storage, the request id every log line and error
/// response carries, and the peer address.
struct AppRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    var requestID: String = ""
    /// The TCP peer's IP address (a proxy's, behind one).
    let peerAddress: String?

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.peerAddress = source.channel.remoteAddress?.ipAddress
    }
}
