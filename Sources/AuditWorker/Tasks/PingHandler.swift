import Core

extension Handlers {
    /// `auditmate.ping`: answers "pong".
    static let ping = RegisteredTask.payload(PingTask.self) { _, _ in "pong" }
}
