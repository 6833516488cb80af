/// Waits until `condition` holds, checking every `interval`; fails the test with `message` after
/// `timeout`. Tests wait on conditions, never on fixed sleeps.
public func eventually(
    timeout: Duration = .seconds(15),
    interval: Duration = .milliseconds(50),
    _ message: @autoclosure () -> String = "condition not met in time",
    _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: interval)
    }
    if try await condition() { return }
    throw EventuallyTimeout(message: message())
}

public struct EventuallyTimeout: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
