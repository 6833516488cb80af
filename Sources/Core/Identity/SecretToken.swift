import Crypto

/// Random bearer secrets (session cookies, CSRF tokens, invitation tokens) and the digests stored
/// in their place: a database dump must not hand out working credentials.
public enum SecretToken {
    /// 32 random bytes, URL-safe base64 without padding.
    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Base64URL.encode(bytes, padded: false)
    }

    /// The SHA-256 (hex) under which a token is stored and looked up.
    public static func digest(_ token: String) -> String {
        Hex.encode(SHA256.hash(data: Array(token.utf8)))
    }
}
