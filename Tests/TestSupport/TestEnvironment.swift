import Core
import Foundation

/// What the test command (`deploy/local/test.sh`) provides: a throwaway PostgreSQL and Redis on free
/// loopback ports, a scratch folder, and the folder holding the built executables.
public enum TestEnvironment {
    public static let databaseURL = value("AUDITMATE_TEST_DATABASE_URL")
    public static let redisURL = value("AUDITMATE_TEST_REDIS_URL")
    public static let workDirectory = URL(fileURLWithPath: value("AUDITMATE_TEST_WORK_DIR"))
    public static let binDirectory = URL(fileURLWithPath: value("AUDITMATE_TEST_BIN_DIR"))
    /// True when the test command runs the suite in a network namespace with only loopback, where
    /// `private.auditmate.test` resolves to 10.0.0.1 and `metadata.auditmate.test` to
    /// 169.254.169.254. Tests that aim the product at addresses beyond loopback run only then, so a
    /// broken guard can never send their packets off the machine.
    public static let isolatedNetwork = ProcessInfo.processInfo.environment["AUDITMATE_TEST_ISOLATED"] == "1"

    /// The Swagger UI distribution the test command installs (for `/api/docs/`).
    public static let swaggerUIDirectory = ProcessInfo.processInfo.environment["AUDITMATE_TEST_SWAGGER_UI_DIR"]

    /// The checkout under test, for checks over `deploy/`, `README.md` and `docs/`.
    public static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The administrative database (`postgres`) of the test server.
    public static var adminDatabase: DatabaseSettings {
        try! DatabaseSettings(url: databaseURL)
    }

    public static var redis: RedisSettings {
        try! RedisSettings(url: redisURL)
    }

    /// Environment variables for a process (or an `AppConfig`) pointed at `database` and the test Redis.
    public static func processEnvironment(database: DatabaseSettings, redisURL: String = redisURL) -> [String: String] {
        var password = database.password ?? ""
        password = password.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? password
        return [
            "AUDITMATE_ENV": "development",
            "DATABASE_URL":
                "postgres://\(database.username):\(password)@\(database.host):\(database.port)/\(database.database)?sslmode=disable",
            "REDIS_URL": redisURL,
            "LOG_LEVEL": "warning",
            // bcrypt at its minimum cost: tests exercise the logic, not the work factor.
            "BCRYPT_COST": "4",
            // Hundreds of servers and processes share one test PostgreSQL at once.
            "DATABASE_POOL_SIZE": "4",
            // Development writes mail as files: into the temporary folder, never the checkout.
            "EMAIL_FILE_DIR": FileManager.default.temporaryDirectory.appendingPathComponent("auditmate-test-mail").path,
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
        ]
    }

    /// What production requires on top of the database and Redis URLs, with valid, strong values,
    /// and a metrics listener port of its own (production opens a second listener).
    public static var productionSettings: [String: String] {
        var settings = productionSecrets
        settings["METRICS_PORT"] = String((try? freeLoopbackPort()) ?? 0)
        return settings
    }

    private static let productionSecrets: [String: String] = [
        "AUDITMATE_ENV": "production",
        "ALLOWED_HOSTS": "localhost,127.0.0.1",
        "JWT_SIGNING_KEY": String(repeating: "p", count: 40),
        "FERNET_KEYS": "cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=",
        "STRIPE_SECRET_KEY": "sk_test_production",
        "STRIPE_WEBHOOK_SECRET": "whsec_production",
        // Loopback, where nothing listens: tests of production settings send no mail.
        "SMTP_URL": "smtp://127.0.0.1:9",
    ]

    /// A development configuration for in-process servers: port 0 (any free port), quiet logs.
    public static func config(database: DatabaseSettings, extra: [String: String] = [:]) throws -> AppConfig {
        var config = try AppConfig(environment: processEnvironment(database: database).merging(extra) { _, new in new })
        config.http.port = 0
        return config
    }

    private static func value(_ name: String) -> String {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else {
            fatalError("\(name) is not set: run the tests with `bash deploy/local/test.sh`, which starts PostgreSQL and Redis for them")
        }
        return value
    }
}
