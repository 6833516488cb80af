import Foundation
import Logging

/// What GitHub last said about a credential's primary rate limit, shared through Redis so that every
/// process stops before the budget is gone instead of discovering it one 403 at a time.
struct GitHubRateLimitLedger: Sendable {
    let redis: RedisClient
    let reserve: Int
    /// A reset further away than this is GitHub (or something posing as it) being wrong: clamped.
    let maxWait: Duration
    let logger: Logger

    private func key(_ credential: GitHubCredential) -> String { "github:ratelimit:\(credential.fingerprint)" }

    /// When the budget is at or below the reserve, the time it resets; nil when calls may go ahead.
    func exhaustedUntil(_ credential: GitHubCredential, now: Date = .now) async -> Date? {
        guard let reply = try? await redis.send("HMGET", key(credential), "remaining", "reset"),
            let values = reply.array, values.count == 2,
            let remaining = values[0].int, let reset = values[1].int
        else { return nil }
        let resetAt = Date(timeIntervalSince1970: TimeInterval(reset))
        return remaining <= reserve && resetAt > now ? resetAt : nil
    }

    /// Records the `x-ratelimit-*` headers of an answer (GHES without rate limits sends none).
    /// Values out of range (negative, overflowing, a reset centuries away) count as absent or are
    /// clamped to `maxWait` from now.
    func record(_ response: GitHubResponse, _ credential: GitHubCredential, now: Date = .now) async {
        guard let remaining = response.header("x-ratelimit-remaining").flatMap({ OutsideValue.integer($0, in: 0...100_000_000) }),
            let announced = response.header("x-ratelimit-reset").flatMap({
                OutsideValue.integer($0, in: 0...OutsideValue.latestEpochSeconds)
            })
        else { return }
        let reset = min(announced, Int(now.timeIntervalSince1970 + maxWait.seconds))
        do {
            _ = try await redis.transaction([
                RedisCommand("HSET", key(credential), "remaining", remaining, "reset", reset),
                RedisCommand("EXPIREAT", key(credential), reset + 60),
            ])
        } catch {
            logger.warning("GitHub rate-limit ledger unavailable", metadata: ["error": "\(error)"])
        }
    }
}
