import Foundation
import Logging

/// The whole configuration of an AuditMate process, parsed once from the environment at start-up.
///
/// This is the only place that reads environment variables. Development has safe defaults so that
/// `make run` needs none; production refuses to start on a missing or weak secret, naming the variable.
public struct AppConfig: Sendable {
    public enum Environment: String, CaseIterable, Sendable {
        case development
        case production
    }

    public enum LogFormat: String, CaseIterable, Sendable {
        case json
        case text
    }

    public enum LogLevel: String, CaseIterable, Sendable {
        case trace, debug, info, notice, warning, error, critical

        public var level: Logger.Level { Logger.Level(rawValue: rawValue)! }
    }

    public var environment: Environment
    public var database: DatabaseSettings
    public var redis: RedisSettings
    public var http: HTTPSettings
    public var queue: QueueSettings
    public var logLevel: LogLevel
    public var logFormat: LogFormat
    public var secrets: Secrets
    public var identity: IdentitySettings
    public var github: GitHubSettings
    public var billing: BillingSettings
    public var scheduling: SchedulingSettings
    public var quotas: QuotaSettings
    public var mail: MailSettings

    public var isProduction: Bool { environment == .production }

    /// Parses and validates `environment` (normally the process environment).
    public init(environment values: [String: String]) throws(ConfigError) {
        try self.init(EnvironmentReader(values: values))
    }

    private init(_ env: EnvironmentReader) throws(ConfigError) {
        let environment = try env.choice("AUDITMATE_ENV", default: Environment.development)
        let production = environment == .production

        func required(_ name: String, developmentDefault: String) throws(ConfigError) -> String {
            if let value = env.string(name) { return value }
            if production { throw ConfigError(name, "is required in production") }
            return developmentDefault
        }

        self.environment = environment
        self.database = try DatabaseSettings(
            url: required("DATABASE_URL", developmentDefault: Defaults.databaseURL),
            poolSize: env.integer("DATABASE_POOL_SIZE", default: 10, in: 1...500)
        )
        self.redis = try RedisSettings(
            url: required("REDIS_URL", developmentDefault: Defaults.redisURL),
            poolSize: env.integer("REDIS_POOL_SIZE", default: 8, in: 1...256)
        )
        self.queue = QueueSettings(
            visibilityTimeout: .seconds(try env.integer("QUEUE_VISIBILITY_TIMEOUT", default: 60, in: 2...86_400)),
            keyPrefix: env.string("QUEUE_KEY_PREFIX", default: ""),
            maxDeliveries: try env.integer("QUEUE_MAX_DELIVERIES", default: 5, in: 1...100)
        )
        self.http = try HTTPSettings(
            host: env.string("HOST", default: "127.0.0.1"),
            port: env.integer("PORT", default: 8000, in: 1...65535),
            allowedHosts: HTTPSettings.parseAllowedHosts(
                required("ALLOWED_HOSTS", developmentDefault: Defaults.allowedHosts)
            ),
            corsAllowedOrigins: HTTPSettings.parseOrigins(env.list("CORS_ALLOWED_ORIGINS")),
            maxRequestBodyBytes: env.integer("MAX_REQUEST_BODY_BYTES", default: 1 << 20, in: 1024...(1 << 30)),
            publicURL: HTTPSettings.parsePublicURL(env.string("PUBLIC_URL")),
            metricsPort: env.integer("METRICS_PORT", default: 9100, in: 1...65535),
            swaggerUIDirectory: HTTPSettings.parseSwaggerUIDirectory(env.string("SWAGGER_UI_DIR"))
        )
        // Fail closed: a forgotten AUDITMATE_ENV must never publish the development signing key.
        if !production && !HTTPSettings.isLoopback(http.host) {
            throw ConfigError(
                "HOST",
                "development listens on loopback only (127.0.0.1, ::1, localhost), got \"\(http.host)\"; "
                    + "set AUDITMATE_ENV=production to listen on other addresses"
            )
        }
        self.logLevel = try env.choice("LOG_LEVEL", default: LogLevel.info)
        self.logFormat = try env.choice("LOG_FORMAT", default: production ? LogFormat.json : .text)
        self.secrets = try Secrets(
            jwtSigningKey: required("JWT_SIGNING_KEY", developmentDefault: Defaults.jwtSigningKey),
            jwtVerifyingKeys: env.list("JWT_VERIFYING_KEYS"),
            fernetKeys: required("FERNET_KEYS", developmentDefault: Defaults.fernetKey),
            production: production
        )
        self.identity = try IdentitySettings(env)
        self.github = try GitHubSettings(env, production: production)
        self.billing = try BillingSettings(env, production: production)
        self.scheduling = try SchedulingSettings(env)
        self.quotas = try QuotaSettings(env)
        self.mail = try MailSettings(env, production: production, publicURL: http.publicURL)
    }

    /// Reads the process environment. `@main` calls this once; nothing else reads the environment.
    public static func fromProcessEnvironment() throws(ConfigError) -> AppConfig {
        try AppConfig(environment: ProcessInfo.processInfo.environment)
    }

    /// Every environment variable this type reads, sorted. Parsing an empty development environment
    /// asks for each of them once, so this list cannot drift from the code: the deployment check
    /// holds the README's table and the manifests to it.
    public static func variableNames() -> [String] {
        let consulted = ConsultedNames()
        _ = try? AppConfig(EnvironmentReader(values: [:], consulted: consulted))
        return consulted.names.sorted()
    }

    /// Development defaults. They match the ports and credentials `make run` sets up, and production
    /// refuses the secret ones.
    public enum Defaults {
        public static let databaseURL = "postgres://auditmate:auditmate@127.0.0.1:55432/auditmate?sslmode=disable"
        public static let redisURL = "redis://127.0.0.1:56379/0"
        public static let allowedHosts = ".localhost,127.0.0.1,[::1]"
        public static let jwtSigningKey = "auditmate-development-signing-key-not-for-production"
        public static let fernetKey = "YXVkaXRtYXRlLWRldmVsb3BtZW50LWZlcm5ldC1rZXk="
    }
}
