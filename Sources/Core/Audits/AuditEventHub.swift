import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// Tells the API's event streams that an audit changed, whichever process changed it. Scans and
/// cancellations `NOTIFY audit_events, '<audit id>'`; each API process keeps one connection
/// `LISTEN`ing and wakes the streams watching that audit, so progress reaches clients of every
/// replica. A dropped connection is re-opened with backoff; streams also re-read on a timer, so a
/// notification lost in between only delays an update.
public final class AuditEventHub: Service, Sendable {
    public static let channel = "audit_events"

    private let database: DatabaseSettings
    private let logger: Logger
    private let watchers = Mutex<[UUID: [UUID: AsyncStream<Void>.Continuation]]>([:])

    public init(database: DatabaseSettings, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    /// A stream that yields whenever `auditID` may have changed. Finish iterating to unsubscribe.
    public func changes(of auditID: UUID) -> AsyncStream<Void> {
        let watcher = UUID()
        let (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        watchers.withLock { $0[auditID, default: [:]][watcher] = continuation }
        continuation.onTermination = { [weak self] _ in
            self?.watchers.withLock { watchers in
                watchers[auditID]?[watcher] = nil
                if watchers[auditID]?.isEmpty == true { watchers[auditID] = nil }
            }
        }
        return stream
    }

    public func run() async throws {
        var delay = Duration.milliseconds(250)
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let connectedAt = ContinuousClock.now
            do {
                try await cancelWhenGracefulShutdown {
                    try await PostgresConnection.withConnection(to: self.database, logger: self.logger) { connection in
                        try await connection.listen(on: Self.channel) { notifications in
                            for try await notification in notifications {
                                self.wake(notification.payload)
                            }
                        }
                    }
                }
            } catch {
                if Task.isCancelled || Task.isShuttingDownGracefully { break }
                logger.warning(
                    "audit event listener lost its connection; reconnecting",
                    metadata: ["error": "\(PostgresFailure.reason(error))"]
                )
            }
            // A connection that held for a while was healthy: start the backoff over.
            if ContinuousClock.now - connectedAt > .seconds(30) { delay = .milliseconds(250) }
            try? await Task.sleep(for: delay)
            delay = min(delay * 2, .seconds(5))
        }
        watchers.withLock { watchers in
            watchers.values.forEach { $0.values.forEach { $0.finish() } }
            watchers.removeAll()
        }
    }

    private func wake(_ payload: String) {
        guard let auditID = UUID(uuidString: payload) else { return }
        let continuations = watchers.withLock { $0[auditID].map { Array($0.values) } ?? [] }
        for continuation in continuations { continuation.yield() }
    }
}
