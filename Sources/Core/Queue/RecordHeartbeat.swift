import Logging

/// A timer beside a running task that refreshes the heartbeat of the domain record it works on
/// (`audits.heartbeat_at`, `reports.heartbeat_at`). A reconciler that finds a RUNNING record whose
/// heartbeat stopped knows its worker died, even when the message died with it (Redis lost), which
/// no queue-side bookkeeping can tell. One query per interval, however many steps the task takes.
enum RecordHeartbeat {
    /// Starts beating after `interval`, then every `interval`, until the returned task is
    /// cancelled. A failed beat is logged and the next one tried: the work itself is unaffected.
    static func start(
        every interval: Duration,
        logger: Logger,
        _ beat: @escaping @Sendable () async throws -> Void
    ) -> Task<Void, Never> {
        Task {
            while true {
                guard (try? await Task.sleep(for: interval)) != nil else { return }
                do {
                    try await beat()
                } catch {
                    if Task.isCancelled { return }
                    logger.warning("heartbeat not recorded; trying again", metadata: ["error": "\(PostgresFailure.reason(error))"])
                }
            }
        }
    }
}
