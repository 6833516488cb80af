import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A child process for the benchmark (a worker, a Celery worker, redis-benchmark), spawned with an
/// empty signal mask: a child started from a Swift concurrency thread would otherwise inherit blocked
/// signals and ignore SIGTERM.
final class Subprocess: Sendable {
    let pid: pid_t
    let output: URL
    private let exited = Mutex<Int32?>(nil)

    init(_ executable: String, _ arguments: [String], environment: [String: String], output: URL) throws {
        self.output = output
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGPIPE] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let result = posix_spawnp(&pid, executable, &actions, &attributes, argv, envp)
        guard result == 0 else { throw BenchmarkError("cannot start \(executable): \(String(cString: strerror(result)))") }
        self.pid = pid
    }

    /// True once the process has ended (it is reaped here, once).
    var hasExited: Bool {
        exited.withLock { status in
            if status != nil { return true }
            var raw: Int32 = 0
            guard waitpid(pid, &raw, WNOHANG) == pid else { return false }
            status = raw
            return true
        }
    }

    /// Sends `signal` and waits for the exit.
    func stop(_ signal: Int32 = SIGTERM, timeout: Duration = .seconds(60)) async {
        guard !hasExited else { return }
        kill(pid, signal)
        let deadline = ContinuousClock.now + timeout
        while !hasExited {
            if ContinuousClock.now > deadline { kill(pid, SIGKILL) }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Runs to completion and returns the output.
    static func run(_ executable: String, _ arguments: [String], environment: [String: String], output: URL) async throws -> String {
        let process = try Subprocess(executable, arguments, environment: environment, output: output)
        while !process.hasExited { try await Task.sleep(for: .milliseconds(20)) }
        return (try? String(contentsOf: output, encoding: .utf8)) ?? ""
    }
}

struct BenchmarkError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
