import Foundation
import JWTKit

/// The GitHub App AuditMate is registered as (issue 17): its id and slug, the private key it signs
/// its JWTs with, and the secrets GitHub signs webhook deliveries with. All optional together:
/// without them the App endpoints answer 503 and pasted tokens work as before.
public struct GitHubAppSettings: Sendable {
    /// The App's numeric id, the `iss` of its JWTs.
    public var appID: String
    /// The App's URL name: `GITHUB_WEB_URL/apps/<slug>/installations/new`.
    public var slug: String
    /// The App's private key, parsed once at start-up so a bad key stops the process there.
    public var privateKey: Insecure.RSA.PrivateKey
    /// Every secret a delivery may be signed with; several while one is being rotated.
    public var webhookSecrets: [String]
    /// Change events for one target within this window start one audit.
    public var webhookDebounce: Duration

    public init(
        appID: String,
        slug: String,
        privateKey: Insecure.RSA.PrivateKey,
        webhookSecrets: [String],
        webhookDebounce: Duration = .seconds(60)
    ) {
        self.appID = appID
        self.slug = slug
        self.privateKey = privateKey
        self.webhookSecrets = webhookSecrets
        self.webhookDebounce = webhookDebounce
    }

    /// Nil when none of the App's variables is set; a partial or unreadable configuration names the
    /// variable that is wrong.
    static func from(_ env: EnvironmentReader) throws(ConfigError) -> GitHubAppSettings? {
        let id = env.string("GITHUB_APP_ID")
        let slug = env.string("GITHUB_APP_SLUG")
        let inlineKey = env.string("GITHUB_APP_PRIVATE_KEY")
        let keyFile = env.string("GITHUB_APP_PRIVATE_KEY_FILE")
        let secrets = env.list("GITHUB_WEBHOOK_SECRET")
        let debounce = try env.integer("GITHUB_WEBHOOK_DEBOUNCE_SECONDS", default: 60, in: 0...3_600)
        guard id != nil || slug != nil || inlineKey != nil || keyFile != nil || !secrets.isEmpty else { return nil }

        guard let id else { throw ConfigError("GITHUB_APP_ID", "must be set with the other GITHUB_APP_* variables") }
        guard !id.isEmpty, id.allSatisfy(\.isASCII), id.allSatisfy(\.isNumber) else {
            throw ConfigError("GITHUB_APP_ID", "must be the App's numeric id, got \"\(id)\"")
        }
        guard let slug else { throw ConfigError("GITHUB_APP_SLUG", "must be set with the other GITHUB_APP_* variables") }
        let slugCharacters = Set("abcdefghijklmnopqrstuvwxyz0123456789-")
        guard !slug.isEmpty, slug.allSatisfy(slugCharacters.contains) else {
            throw ConfigError("GITHUB_APP_SLUG", "must be the App's URL name (lower-case letters, digits, hyphens), got \"\(slug)\"")
        }
        if inlineKey != nil && keyFile != nil {
            throw ConfigError("GITHUB_APP_PRIVATE_KEY", "set it or GITHUB_APP_PRIVATE_KEY_FILE, not both")
        }
        let pem: String
        let keyVariable: String
        if let inlineKey {
            // Environment files often carry the PEM on one line with literal `\n`s.
            pem = inlineKey.replacingOccurrences(of: "\\n", with: "\n")
            keyVariable = "GITHUB_APP_PRIVATE_KEY"
        } else if let keyFile {
            guard let contents = FileManager.default.contents(atPath: keyFile) else {
                throw ConfigError("GITHUB_APP_PRIVATE_KEY_FILE", "cannot read \(keyFile)")
            }
            pem = String(decoding: contents, as: UTF8.self)
            keyVariable = "GITHUB_APP_PRIVATE_KEY_FILE"
        } else {
            throw ConfigError(
                "GITHUB_APP_PRIVATE_KEY",
                "must be set (or GITHUB_APP_PRIVATE_KEY_FILE) with the other GITHUB_APP_* variables"
            )
        }
        let privateKey: Insecure.RSA.PrivateKey
        do {
            privateKey = try Insecure.RSA.PrivateKey(pem: pem)
        } catch {
            // Never the key itself, nor the library's message, which may quote it.
            throw ConfigError(keyVariable, "is not an RSA private key in PEM (the .pem file GitHub generated for the App)")
        }
        guard !secrets.isEmpty, secrets.allSatisfy({ !$0.isEmpty }) else {
            throw ConfigError("GITHUB_WEBHOOK_SECRET", "must be set with the other GITHUB_APP_* variables (comma-separated while rotating)")
        }
        return GitHubAppSettings(
            appID: id,
            slug: slug,
            privateKey: privateKey,
            webhookSecrets: secrets,
            webhookDebounce: .seconds(debounce)
        )
    }
}
