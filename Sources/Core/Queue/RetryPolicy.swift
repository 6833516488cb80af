/// How often and how late a failed task runs again: exponential backoff with full jitter, capped
/// (the delay before retry n is uniform in `0...min(cap, base * 2^n)`, as Celery's `retry_backoff`
/// with `retry_jitter` computes it). Full jitter spreads a burst of failures over the whole window
/// instead of retrying them in lockstep.
public struct RetryPolicy: Sendable, Equatable {
    /// Retries after the first attempt; 0 sends the first failure straight to the dead-letter list.
    public var maxRetries: Int
    public var base: Duration
    public var cap: Duration
    public var jitter: Bool

    public init(maxRetries: Int, base: Duration, cap: Duration, jitter: Bool = true) {
        self.maxRetries = maxRetries
        self.base = base
        self.cap = cap
        self.jitter = jitter
    }

    /// Celery's defaults for `retry_backoff=True`: 3 retries, 1 s doubling, capped at 600 s.
    public static let standard = RetryPolicy(maxRetries: 3, base: .seconds(1), cap: .seconds(600))
    public static let never = RetryPolicy(maxRetries: 0, base: .zero, cap: .zero)

    /// The backoff ceiling before retry number `retries + 1` (`retries` = retries done so far).
    public func ceiling(afterRetries retries: Int) -> Duration {
        let exponent = min(max(retries, 0), 40)
        let grown = base.seconds * Double(1 << exponent)
        return .milliseconds(Int64(min(grown, cap.seconds) * 1000))
    }

    public func delay(afterRetries retries: Int, using generator: inout some RandomNumberGenerator) -> Duration {
        let ceiling = ceiling(afterRetries: retries)
        guard jitter else { return ceiling }
        let milliseconds = Int64(ceiling.seconds * 1000)
        return .milliseconds(milliseconds > 0 ? Int64.random(in: 0...milliseconds, using: &generator) : 0)
    }

    public func delay(afterRetries retries: Int) -> Duration {
        var generator = SystemRandomNumberGenerator()
        return delay(afterRetries: retries, using: &generator)
    }
}
