import Hummingbird

/// The per-request context: Hummingbird's core storage plus the request id every log line and
/// error response carries.
struct AppRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    var requestID: String = ""

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
    }
}
