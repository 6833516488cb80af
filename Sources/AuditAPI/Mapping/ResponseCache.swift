import Core
import Foundation
import Synchronization

/// Answers about audits (`HotResponsesMiddleware`) kept by this API process, each with the
/// `AuditChanges` version it was built under. A request whose version (one Redis call) still matches
/// is answered with the same bytes; any audit written since, by any process, moves the version.
/// Writes made outside the application empty the cache through `ChangeListener.audits`, and the
/// cache is used only while that listener is connected.
final class ResponseCache: ListenedCache {
    struct Entry: Sendable {
        let version: String
        let bytes: [UInt8]
        let storedAt: ContinuousClock.Instant
    }

    /// The bound on what a lost announcement (Redis unreachable just after a commit) can cost.
    static let maximumAge = Duration.seconds(10)
    /// Bytes kept at most (the API's memory goal is 100 MB).
    static let capacity = 8 << 20

    private struct State {
        var entries: [String: Entry] = [:]
        var bytes = 0
        var open = false
        var era = 0
    }

    private let state = Mutex(State())

    func open() {
        state.withLock { state in
            state = State(open: true, era: state.era + 1)
        }
    }

    func close() {
        state.withLock { state in
            state = State(open: false, era: state.era + 1)
        }
    }

    func clear() {
        state.withLock { state in
            state = State(open: state.open, era: state.era + 1)
        }
    }

    /// Taken before the answer is built and handed to `store`, which drops the answer when the cache
    /// was emptied in between.
    var era: Int { state.withLock { $0.era } }

    /// The answer kept for `key` under `version`, if still current.
    func bytes(_ key: String, version: String?, now: ContinuousClock.Instant = .now) -> [UInt8]? {
        guard let version else { return nil }
        return state.withLock { state in
            guard state.open, let entry = state.entries[key], entry.version == version, now - entry.storedAt <= Self.maximumAge else {
                return nil
            }
            return entry.bytes
        }
    }

    /// Keeps `bytes`, built after `era` was taken and `version` was read.
    func store(_ key: String, _ bytes: [UInt8], version: String?, era: Int) {
        guard let version else { return }
        state.withLock { state in
            guard state.open, state.era == era else { return }
            if let old = state.entries[key] { state.bytes -= old.bytes.count }
            // Full: start over rather than track recency on every hit.
            if state.bytes + bytes.count > Self.capacity {
                state.entries.removeAll(keepingCapacity: true)
                state.bytes = 0
            }
            state.entries[key] = Entry(version: version, bytes: bytes, storedAt: .now)
            state.bytes += bytes.count
        }
    }
}
