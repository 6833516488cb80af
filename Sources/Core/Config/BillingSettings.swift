import Foundation

/// Stripe: where it is, the keys, and which price each plan sells.
public struct BillingSettings: Sendable {
    public var apiURL: String
    public var secretKey: String?
    /// Webhook signing secrets; more than one while a secret is being rolled.
    public var webhookSecrets: [String]
    /// Plan name → Stripe price id, e.g. `pro` → `price_123`.
    public var prices: [String: String]
    public var trialDays: Int
    public var timeout: Duration

    public init(
        apiURL: String = "https://api.stripe.com",
        secretKey: String? = nil,
        webhookSecrets: [String] = [],
        prices: [String: String] = [:],
        trialDays: Int = 14,
        timeout: Duration = .seconds(20)
    ) {
        self.apiURL = apiURL
        self.secretKey = secretKey
        self.webhookSecrets = webhookSecrets
        self.prices = prices
        self.trialDays = trialDays
        self.timeout = timeout
    }

    init(_ env: EnvironmentReader, production: Bool) throws(ConfigError) {
        var prices: [String: String] = [:]
        for entry in env.list("STRIPE_PRICES") {
            let parts = entry.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[0].isEmpty, parts[1].hasPrefix("price_") else {
                throw ConfigError("STRIPE_PRICES", "\"\(entry)\" is not plan=price_id (e.g. pro=price_123,team=price_456)")
            }
            prices[parts[0].lowercased()] = parts[1]
        }
        let secretKey = env.string("STRIPE_SECRET_KEY")
        let webhookSecrets = env.list("STRIPE_WEBHOOK_SECRET")
        if production {
            guard secretKey != nil else { throw ConfigError("STRIPE_SECRET_KEY", "is required in production") }
            guard !webhookSecrets.isEmpty else { throw ConfigError("STRIPE_WEBHOOK_SECRET", "is required in production") }
        }
        self.init(
            apiURL: try GitHubSettings.baseURL(env.string("STRIPE_API_URL", default: "https://api.stripe.com"), variable: "STRIPE_API_URL"),
            secretKey: secretKey,
            webhookSecrets: webhookSecrets,
            prices: prices,
            trialDays: try env.integer("TRIAL_DAYS", default: 14, in: 0...365),
            timeout: .seconds(try env.integer("STRIPE_TIMEOUT_SECONDS", default: 20, in: 1...120))
        )
    }
}
