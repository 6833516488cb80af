import Foundation

/// Secret material. Validated at start-up; production refuses the development defaults and weak values.
public struct Secrets: Sendable {
    /// HS256 key that signs access and refresh tokens.
    public let jwtSigningKey: String
    /// Further HS256 keys that tokens may be signed with, accepted but never used to sign: the old
    /// key while a rotation drains, or the new one while replicas roll towards it.
    public let jwtVerifyingKeys: [String]
    /// Fernet keys as given (URL-safe base64 of 32 bytes); the first encrypts, all decrypt.
    public let fernetKeys: [String]

    static let minimumJWTKeyBytes = 32

    init(
        jwtSigningKey: String,
        jwtVerifyingKeys: [String] = [],
        fernetKeys rawFernetKeys: String,
        production: Bool
    ) throws(ConfigError) {
        if production {
            try Self.checkJWTKey(jwtSigningKey, variable: "JWT_SIGNING_KEY")
            for key in jwtVerifyingKeys {
                try Self.checkJWTKey(key, variable: "JWT_VERIFYING_KEYS")
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
        self.jwtVerifyingKeys = jwtVerifyingKeys.filter { $0 != jwtSigningKey }
        self.fernetKeys = keys
    }

    private static func checkJWTKey(_ key: String, variable: String) throws(ConfigError) {
        if key == AppConfig.Defaults.jwtSigningKey {
            throw ConfigError(variable, "is the development default; generate one with `openssl rand -base64 48`")
        }
        if key.utf8.count < minimumJWTKeyBytes {
            throw ConfigError(variable, "is too weak: \(key.utf8.count) bytes, at least \(minimumJWTKeyBytes) required")
        }
    }
}
