import Foundation
import Synchronization

/// Principals this API process has authenticated, by login, each with the `PrincipalStamps.Stamp`
/// it was read under. A request whose stamp (read with its budget, one Redis round trip) still
/// matches skips the authentication query; any change announced since, on any replica, makes it
/// miss and read PostgreSQL again.
///
/// Changes made outside the application (SQL) arrive as PostgreSQL notifications
/// (`ChangeListener.principals`), which empty the cache. It is only used while that listener is
/// connected: a process that might be missing notifications reads every principal from PostgreSQL.
public final class PrincipalCache: ListenedCache {
    enum Key: Hashable, Sendable {
        /// A bearer access token: its family, user and organization claims.
        case bearer(familyID: UUID, userID: UUID, organizationID: UUID?)
        /// A browser session, by the digest of its cookie.
        case session(tokenHash: String)
    }

    struct Entry: Sendable {
        let principal: Principal
        /// The organization's subscription, judged again at each use: a trial ends by the clock.
        let standing: PremiumGate.Standing?
        /// Sessions: the CSRF token's digest and the session's end.
        let csrfDigest: String?
        let expiresAt: Date?
        /// Nil when the entry was read without a usable stamp: it only says whose login this is.
        let stamp: PrincipalStamps.Stamp?
        let storedAt: ContinuousClock.Instant
    }

    /// How long an entry is trusted at most, whatever its stamp says: the bound on what a lost
    /// announcement (Redis unreachable just after a commit) or a Redis restored from an old
    /// snapshot can cost.
    static let maximumAge = Duration.seconds(60)
    /// Logins remembered at most; about 300 bytes each.
    static let capacity = 20_000

    private struct State {
        var entries: [Key: Entry] = [:]
        /// Whether the change listener is connected (else nothing is remembered).
        var open = false
        /// Moves whenever the cache is emptied: an entry read before may be older than the change.
        var era = 0
    }

    private let state = Mutex(State())

    init() {}

    /// Starts remembering, empty: the change listener is connected from now on.
    public func open() {
        state.withLock { state in
            state.entries.removeAll()
            state.era += 1
            state.open = true
        }
    }

    /// Forgets everything and stops remembering until `open`: changes may go unheard.
    public func close() {
        state.withLock { state in
            state.entries.removeAll()
            state.era += 1
            state.open = false
        }
    }

    /// Forgets everything: some principal changed outside the application.
    public func clear() {
        state.withLock { state in
            state.entries.removeAll()
            state.era += 1
        }
    }

    /// Taken before reading a principal from PostgreSQL and handed to `store`, which drops the entry
    /// when the cache was emptied in between.
    var era: Int { state.withLock { $0.era } }

    /// The entry for `key`, if any and not too old.
    func entry(_ key: Key, now: ContinuousClock.Instant = .now) -> Entry? {
        state.withLock { state in
            guard state.open, let entry = state.entries[key] else { return nil }
            if now - entry.storedAt > Self.maximumAge {
                state.entries[key] = nil
                return nil
            }
            return entry
        }
    }

    /// The remembered principal when `stamp` is still the one it was read under; its premium
    /// standing judged at `date`.
    func principal(_ key: Key, stamp: PrincipalStamps.Stamp?, at date: Date = .now) -> Entry? {
        guard let stamp, let entry = entry(key), entry.stamp == stamp else { return nil }
        if let expiresAt = entry.expiresAt, expiresAt <= date { return nil }
        return entry
    }

    /// Remembers `entry`, read from PostgreSQL after `era` was taken.
    func store(_ key: Key, _ entry: Entry, era: Int) {
        state.withLock { state in
            guard state.open, state.era == era else { return }
            if state.entries.count >= Self.capacity && state.entries[key] == nil {
                let now = ContinuousClock.now
                state.entries = state.entries.filter { now - $0.value.storedAt <= Self.maximumAge }
                // Still full of live logins: start over rather than track recency on every hit.
                if state.entries.count >= Self.capacity { state.entries.removeAll(keepingCapacity: true) }
            }
            state.entries[key] = entry
        }
    }

    func forget(_ key: Key) {
        _ = state.withLock { $0.entries.removeValue(forKey: key) }
    }
}

extension PrincipalCache.Entry {
    /// The principal, with premium features allowed or not as of `date`.
    func principal(at date: Date = .now) -> Principal {
        Principal(
            userID: principal.userID,
            email: principal.email,
            organizationID: principal.organizationID,
            role: principal.role,
            credential: principal.credential,
            premiumAllowed: standing?.allowsPremium(at: date) ?? false,
            secondFactorMissing: principal.secondFactorMissing
        )
    }
}
