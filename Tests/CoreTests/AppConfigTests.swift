import Core
import Testing

@Suite("Configuration")
struct AppConfigTests {
    /// A production environment with every required value valid; tests break one thing at a time.
    static let production: [String: String] = [
        "AUDITMATE_ENV": "production",
        "DATABASE_URL": "postgres://app:s3cr%40t@db.internal:6432/auditmate?sslmode=require",
        "REDIS_URL": "redis://:hunter2@cache.internal:6380/2",
        "ALLOWED_HOSTS": "api.example.com,.example.org",
        "JWT_SIGNING_KEY": String(repeating: "k", count: 48),
        "FERNET_KEYS": "cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=,YXVkaXRtYXRlLXNlY29uZGFyeS1mZXJuZXQta2V5eHg=",
        "STRIPE_SECRET_KEY": "sk_live_example",
        "STRIPE_WEBHOOK_SECRET": "whsec_one,whsec_two",
        "SMTP_URL": "smtp://mailer:p%40ss@mail.example.com:587",
    ]

    func error(_ environment: [String: String]) -> ConfigError? {
        do {
            _ = try AppConfig(environment: environment)
            return nil
        } catch {
            return error
        }
    }

    @Test func developmentNeedsNothing() throws {
        let config = try AppConfig(environment: [:])
        #expect(config.environment == .development)
        #expect(config.http.port == 8000)
        #expect(config.http.host == "127.0.0.1")
        #expect(config.database.port == 55432)
        #expect(config.database.tls == .disable)
        #expect(config.redis.port == 56379)
        #expect(config.logFormat == .text)
        #expect(config.queue.maxDeliveries == 5)
        #expect(config.http.allows(hostHeader: "localhost:8000"))
        #expect(config.http.allows(hostHeader: "api.localhost"))
        #expect(!config.http.allows(hostHeader: "evil.example.com"))
    }

    @Test func productionParsesEverything() throws {
        let config = try AppConfig(environment: Self.production)
        #expect(config.isProduction)
        #expect(config.logFormat == .json)
        #expect(
            config.database
                == DatabaseSettings(
                    host: "db.internal",
                    port: 6432,
                    username: "app",
                    password: "s3cr@t",
                    database: "auditmate",
                    tls: .require
                )
        )
        #expect(config.redis.host == "cache.internal")
        #expect(config.redis.port == 6380)
        #expect(config.redis.password == "hunter2")
        #expect(config.redis.database == 2)
        #expect(config.secrets.fernetKeys.count == 2)
        #expect(config.http.allows(hostHeader: "api.example.com"))
        #expect(config.http.allows(hostHeader: "example.org"))
        #expect(config.http.allows(hostHeader: "eu.example.org:443"))
        #expect(!config.http.allows(hostHeader: "example.com"))
        #expect(!config.http.allows(hostHeader: "notexample.org"))
        #expect(
            config.mail.delivery
                == .smtp(.init(url: "smtp://mail.example.com:587", username: "mailer", password: "p@ss", requiresTLS: true))
        )
    }

    @Test(arguments: [
        "DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS", "JWT_SIGNING_KEY", "FERNET_KEYS", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET",
        "SMTP_URL",
    ])
    func productionRequires(_ variable: String) {
        var environment = Self.production
        environment[variable] = nil
        #expect(error(environment) == ConfigError(variable, "is required in production"))
    }

    @Test func productionRefusesWeakOrDefaultSecrets() {
        var environment = Self.production
        environment["JWT_SIGNING_KEY"] = "short-key"
        #expect(error(environment)?.description == "JWT_SIGNING_KEY: is too weak: 9 bytes, at least 32 required")
        environment["JWT_SIGNING_KEY"] = AppConfig.Defaults.jwtSigningKey
        #expect(error(environment)?.variable == "JWT_SIGNING_KEY")
        environment = Self.production
        environment["FERNET_KEYS"] = AppConfig.Defaults.fernetKey
        #expect(error(environment)?.description == "FERNET_KEYS: key 1 is the development default; generate a new key")
    }

    @Test func developmentAcceptsItsDefaultsButNotGarbageKeys() {
        #expect(error(["FERNET_KEYS": "not-a-key"])?.description.hasPrefix("FERNET_KEYS: key 1 is not URL-safe base64 of 32 bytes") == true)
        #expect(error(["FERNET_KEYS": AppConfig.Defaults.fernetKey + ",c2hvcnQ="])?.description.hasPrefix("FERNET_KEYS: key 2") == true)
    }

    @Test(arguments: [
        ("PORT", "70000", "PORT: must be an integer from 1 to 65535, got \"70000\""),
        ("PORT", "http", "PORT: must be an integer from 1 to 65535, got \"http\""),
        ("AUDITMATE_ENV", "staging", "AUDITMATE_ENV: must be one of development, production, got \"staging\""),
        ("LOG_FORMAT", "xml", "LOG_FORMAT: must be one of json, text, got \"xml\""),
        ("LOG_LEVEL", "loud", "LOG_LEVEL: must be one of trace, debug, info, notice, warning, error, critical, got \"loud\""),
        ("DATABASE_URL", "mysql://u@h/db", "DATABASE_URL: is not a PostgreSQL URL (expected postgres://user:password@host:port/database)"),
        ("DATABASE_URL", "postgres://u@h:99999/db", "DATABASE_URL: has port 99999, which is outside 1-65535"),
        (
            "DATABASE_URL", "postgres://u@h:5432",
            "DATABASE_URL: has no database name (expected postgres://user:password@host:port/database)"
        ),
        ("DATABASE_URL", "postgres://h/db", "DATABASE_URL: has no user name (expected postgres://user:password@host:port/database)"),
        (
            "DATABASE_URL", "postgres://u@h/db?sslmode=maybe",
            "DATABASE_URL: sslmode must be one of disable, prefer, require, verify-full, got \"maybe\""
        ),
        ("REDIS_URL", "redis://h:6379/99", "REDIS_URL: database must be a number from 0 to 15, got \"99\""),
        (
            "REDIS_URL", "rediss://h:6379/0",
            "REDIS_URL: uses rediss:// (TLS), which this build cannot speak; use redis:// on a private network"
        ),
        ("REDIS_URL", "h:6379", "REDIS_URL: is not a Redis URL (expected redis://[:password@]host:port/db)"),
        (
            "ALLOWED_HOSTS", "https://api.example.com",
            "ALLOWED_HOSTS: \"https://api.example.com\" is not a host name (list names such as api.example.com or .example.com, not URLs)"
        ),
        ("CORS_ALLOWED_ORIGINS", "*", "CORS_ALLOWED_ORIGINS: \"*\" is not allowed; list the origins, e.g. https://app.example.com"),
        (
            "CORS_ALLOWED_ORIGINS", "https://app.example.com/login",
            "CORS_ALLOWED_ORIGINS: \"https://app.example.com/login\" is not an origin (expected scheme://host[:port], e.g. https://app.example.com)"
        ),
        ("MAX_REQUEST_BODY_BYTES", "10", "MAX_REQUEST_BODY_BYTES: must be an integer from 1024 to 1073741824, got \"10\""),
        ("QUEUE_MAX_DELIVERIES", "0", "QUEUE_MAX_DELIVERIES: must be an integer from 1 to 100, got \"0\""),
        ("QUEUE_MAX_DELIVERIES", "many", "QUEUE_MAX_DELIVERIES: must be an integer from 1 to 100, got \"many\""),
        ("STRIPE_PRICES", "pro:price_1", "STRIPE_PRICES: \"pro:price_1\" is not plan=price_id (e.g. pro=price_123,team=price_456)"),
        ("TRUSTED_PROXIES", "10.0.0.0/33", "TRUSTED_PROXIES: \"10.0.0.0/33\" is not an IP address or CIDR range (e.g. 10.0.0.0/8)"),
        ("GITHUB_API_URL", "github.com", "GITHUB_API_URL: \"github.com\" is not an http(s) URL"),
    ])
    func malformedValueNamesTheVariable(variable: String, value: String, message: String) {
        #expect(error([variable: value])?.description == message)
    }

    @Test func scheduleMinimumInterval() throws {
        #expect(try AppConfig(environment: [:]).scheduling.minimumInterval == .seconds(900))
        #expect(try AppConfig(environment: ["SCHEDULE_MIN_INTERVAL_SECONDS": "3600"]).scheduling.minimumInterval == .seconds(3600))
        #expect(
            error(["SCHEDULE_MIN_INTERVAL_SECONDS": "30"])?.description
                == "SCHEDULE_MIN_INTERVAL_SECONDS: must be an integer from 60 to 604800, got \"30\""
        )
        #expect(error(["SCHEDULE_MIN_INTERVAL_SECONDS": "15m"])?.variable == "SCHEDULE_MIN_INTERVAL_SECONDS")
    }

    @Test func emptyValuesFallBackToDefaults() throws {
        let config = try AppConfig(environment: ["PORT": "", "LOG_LEVEL": "  "])
        #expect(config.http.port == 8000)
        #expect(config.logLevel == .info)
    }

    @Test func corsOriginsAreNormalised() throws {
        let config = try AppConfig(environment: ["CORS_ALLOWED_ORIGINS": "https://App.Example.com, http://localhost:3000"])
        #expect(config.http.corsAllowedOrigins == ["https://app.example.com", "http://localhost:3000"])
    }

    @Test func redisURLWithACLUser() throws {
        let settings = try RedisSettings(url: "redis://worker:p%40ss@10.0.0.5/3")
        #expect(settings.username == "worker")
        #expect(settings.password == "p@ss")
        #expect(settings.port == 6379)
        #expect(settings.database == 3)
    }
}
