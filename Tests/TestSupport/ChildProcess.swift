import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A process started by a test, with output captured to files in the scratch folder.
///
/// Spawned with posix_spawn and an explicitly empty signal mask: a child started from a Swift
/// concurrency thread otherwise inherits that thread's blocked signals and ignores SIGTERM.
public final class ChildProcess: Sendable {
    public let pid: pid_t
    public let stdoutURL: URL
    public let stderrURL: URL
    private let exitStatus = Mutex<Int32?>(nil)

    /// Starts `executable` with exactly `environment`.
    public init(_ executable: URL, arguments: [String] = [], environment: [String: String]) throws {
        let folder = TestEnvironment.workDirectory.appendingPathComponent("processes/\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        stdoutURL = folder.appendingPathComponent("stdout")
        stderrURL = folder.appendingPathComponent("stderr")

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdoutURL.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderrURL.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGPIPE] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = ([executable.path] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable.path, &actions, &attributes, argv, envp)
        guard result == 0 else { throw ChildProcessError.spawnFailed(executable.path, result) }
        self.pid = pid
    }

    /// Runs to completion and returns the exit status with both outputs.
    public static func run(
        _ executable: URL,
        arguments: [String] = [],
        environment: [String: String],
        timeout: Duration = .seconds(60)
    ) async throws -> (status: Int32, stdout: String, stderr: String) {
        let process = try ChildProcess(executable, arguments: arguments, environment: environment)
        let status = try await process.waitForExit(timeout: timeout)
        return (status, process.stdout, process.stderr)
    }

    public var stdout: String { (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? "" }
    public var stderr: String { (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "" }

    public func signal(_ signal: Int32) {
        if exitStatus.withLock({ $0 }) == nil { kill(pid, signal) }
    }

    /// The exit status (128 + signal number when killed by a signal), polling without blocking a thread.
    /// On timeout the process is killed and an error thrown.
    @discardableResult
    public func waitForExit(timeout: Duration = .seconds(60)) async throws -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let status = reap() { return status }
            if ContinuousClock.now > deadline {
                kill(pid, SIGKILL)
                _ = try? await waitForExit(timeout: .seconds(5))
                throw ChildProcessError.timedOut(pid)
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Kills the process if it is still running; for cleanup paths.
    public func terminate() async {
        signal(SIGKILL)
        _ = try? await waitForExit(timeout: .seconds(10))
    }

    private func reap() -> Int32? {
        exitStatus.withLock { status in
            if let status { return status }
            var raw: Int32 = 0
            guard waitpid(pid, &raw, WNOHANG) == pid else { return nil }
            // WIFEXITED / WEXITSTATUS / WTERMSIG are macros Swift cannot import.
            let signal = raw & 0x7f
            status = signal == 0 ? (raw >> 8) & 0xff : 128 + signal
            return status
        }
    }
}

public enum ChildProcessError: Error, CustomStringConvertible {
    case spawnFailed(String, Int32)
    case timedOut(pid_t)

    public var description: String {
        switch self {
        case .spawnFailed(let path, let code): "cannot start \(path): \(String(cString: strerror(code)))"
        case .timedOut(let pid): "process \(pid) did not exit in time and was killed"
        }
    }
}
