import Foundation
import Synchronization

/// The throttle's fixed windows kept in this process, for while Redis is unreachable: the same
/// limits, counted per replica instead of not at all. Bounded: expired windows are dropped as new
/// ones come, and past `capacity` keys the oldest windows go first.
final class LocalWindows: Sendable {
    private struct Window {
        var count: Int
        let endsAt: ContinuousClock.Instant
    }

    static let capacity = 100_000
    private let windows = Mutex<[String: Window]>([:])

    /// The count after `operation` (a refused reservation reports `limit + 1`) and the window's
    /// remaining milliseconds.
    func apply(_ operation: Throttle.Operation, _ key: String, limit: Int, window: Duration) -> (Int, Int) {
        let now = ContinuousClock.now
        return windows.withLock { windows in
            if windows.count >= Self.capacity {
                windows = windows.filter { $0.value.endsAt > now }
                if windows.count >= Self.capacity, let oldest = windows.min(by: { $0.value.endsAt < $1.value.endsAt })?.key {
                    windows[oldest] = nil
                }
            }
            var current = windows[key].flatMap { $0.endsAt > now ? $0 : nil } ?? Window(count: 0, endsAt: now + window)
            let remaining = Int((current.endsAt - now).seconds * 1000)
            switch operation {
            case .reserve where current.count >= limit:
                return (current.count + 1, remaining)
            case .release:
                current.count = max(0, current.count - 1)
            case .spend, .reserve:
                current.count += 1
            }
            windows[key] = current
            return (current.count, remaining)
        }
    }

    func release(_ key: String) {
        _ = apply(.release, key, limit: 0, window: .zero)
    }
}
