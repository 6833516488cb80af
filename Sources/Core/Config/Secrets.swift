import Foundation

/// Secret material. Validated at start-up; production refuses the development defaults and weak values.
public struct Secrets: Sendable {
    /// HS256 key for access and refresh tokens.
    public let jwtSigningKey: String
    /// Fernet keys as given (URL-safe base64 of 32 bytes); the first encrypts, all decrypt.
    public let fernetKeys: [String]

    static let minimumJWTKeyBytes = 32

    init(jwtSigningKey: String, fernetKeys rawFernetKeys: String, production: Bool) throws(ConfigError) {
        if production {
            if jwtSigningKey == AppConfig.Defaults.jwtSigningKey {
                throw ConfigError("JWT_SIGNING_KEY", "is the development default; generate one with `openssl rand -base64 48`")
            }
            if jwtSigningKey.utf8.count < Self.minimumJWTKeyBytes {
                throw ConfigError(
                    "JWT_SIGNING_KEY",
                    "is too weak: \(jwtSigningKey.utf8.count) bytes, at least \(Self.minimumJWTKeyBytes) required"
                )
            }
        }
        let keys = rawFernetKeys.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !keys.isEmpty else { throw ConfigError("FERNET_KEYS", "must list at least one key") }
        for (position, key) in keys.enumerated() {
            guard let bytes = Base64URL.decode(key), bytes.count == 32 else {
                throw ConfigError(
                    "FERNET_KEYS",
                    "key \(position + 1) is not URL-safe base64 of 32 bytes (generate one with Python's Fernet.generate_key())"
                )
            }
            if production && key == AppConfig.Defaults.fernetKey {
                throw ConfigError("FERNET_KEYS", "key \(position + 1) is the development default; generate a new key")
            }
        }
        self.jwtSigningKey = jwtSigningKey
        self.fernetKeys = keys
    }
}
