import Foundation

/// Entry-point helpers shared by both executables: failures at start-up end the process with one
/// readable line on standard error, never a stack trace.
public enum Startup {
    /// Parses the process environment; a bad value prints `configuration error: VAR: problem` and
    /// exits with status 78 (EX_CONFIG).
    public static func configuration() -> AppConfig {
        do {
            return try AppConfig.fromProcessEnvironment()
        } catch {
            fail("configuration error: \(error)", status: 78)
        }
    }

    /// Runs `body`; an error (database unreachable, migrations pending, ...) prints `error: reason`
    /// and exits with status 1.
    public static func run(_ body: () async throws -> Void) async {
        do {
            try await body()
        } catch {
            fail("error: \(PostgresFailure.reason(error))", status: 1)
        }
    }

    public static func fail(_ message: String, status: Int32) -> Never {
        FileHandle.standardError.write(Data((message + "\n").utf8))
        exit(status)
    }
}
