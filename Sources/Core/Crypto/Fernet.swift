import Crypto
import CryptoExtras
import Foundation

/// Fernet symmetric encryption, byte-compatible with Python `cryptography`'s `Fernet` and
/// `MultiFernet`: the first key encrypts, every key decrypts, so keys rotate without downtime.
///
/// Token layout (https://github.com/fernet/spec): `0x80 ‖ timestamp (8 bytes, big-endian seconds) ‖
/// IV (16) ‖ AES-128-CBC ciphertext (PKCS#7) ‖ HMAC-SHA256 (32)`, URL-safe base64.
public struct Fernet: Sendable {
    struct Key: Sendable {
        let signing: SymmetricKey
        let encryption: SymmetricKey
    }

    private let keys: [Key]
    /// A token dated more than this in the future is refused, as `cryptography` does.
    static let maximumClockSkew: TimeInterval = 60
    static let version: UInt8 = 0x80

    /// `keys` are URL-safe base64 of 32 bytes (what `Fernet.generate_key()` prints).
    public init(keys: [String]) throws(FernetError) {
        guard !keys.isEmpty else { throw .invalidKey }
        self.keys = try keys.map { (text: String) throws(FernetError) -> Key in
            guard let bytes = Base64URL.decode(text), bytes.count == 32 else { throw .invalidKey }
            return Key(signing: SymmetricKey(data: bytes[0..<16]), encryption: SymmetricKey(data: bytes[16..<32]))
        }
    }

    public func encrypt(_ plaintext: some DataProtocol, now: Date = .now) throws -> String {
        try encrypt(plaintext, now: now, iv: AES._CBC.IV())
    }

    /// Encrypts with a given IV; only the spec's test vectors need to choose it.
    func encrypt(_ plaintext: some DataProtocol, now: Date, iv: AES._CBC.IV) throws -> String {
        let key = keys[0]
        var token = [Self.version]
        withUnsafeBytes(of: UInt64(max(0, now.timeIntervalSince1970.rounded(.down))).bigEndian) { token.append(contentsOf: $0) }
        token.append(contentsOf: iv)
        token.append(contentsOf: try AES._CBC.encrypt(plaintext, using: key.encryption, iv: iv))
        token.append(contentsOf: HMAC<SHA256>.authenticationCode(for: token, using: key.signing))
        return Base64URL.encode(token)
    }

    /// The plaintext of a token made with any of the keys; `ttl` limits its age.
    public func decrypt(_ token: String, ttl: TimeInterval? = nil, now: Date = .now) throws(FernetError) -> Data {
        try open(token, ttl: ttl, now: now).plaintext
    }

    private func open(_ token: String, ttl: TimeInterval?, now: Date) throws(FernetError) -> (plaintext: Data, issued: Date) {
        guard let bytes = Base64URL.decode(token.trimmingCharacters(in: .whitespacesAndNewlines)) else { throw .invalidToken }
        // version + timestamp + IV + at least one block + MAC
        guard bytes.count >= 1 + 8 + 16 + 16 + 32, (bytes.count - 57) % 16 == 0, bytes[0] == Self.version else {
            throw .invalidToken
        }
        let timestamp = bytes[1..<9].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let issued = Date(timeIntervalSince1970: TimeInterval(timestamp))
        if let ttl, issued.addingTimeInterval(ttl) < now { throw .invalidToken }
        if issued.timeIntervalSince(now) > Self.maximumClockSkew { throw .invalidToken }

        let signed = bytes[0..<(bytes.count - 32)]
        let mac = bytes[(bytes.count - 32)...]
        for key in keys where HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: signed, using: key.signing) {
            do {
                let iv = try AES._CBC.IV(ivBytes: bytes[9..<25])
                return (try AES._CBC.decrypt(bytes[25..<(bytes.count - 32)], using: key.encryption, iv: iv), issued)
            } catch {
                throw .invalidToken
            }
        }
        throw .invalidToken
    }

    /// The token re-encrypted under the first key, keeping its timestamp (`MultiFernet.rotate`).
    public func rotate(_ token: String) throws -> String {
        let (plaintext, issued) = try open(token, ttl: nil, now: .now)
        return try encrypt(plaintext, now: issued)
    }

    /// Whether the token is already under the first key, so rotation can skip it.
    public func isCurrent(_ token: String) -> Bool {
        (try? Fernet(primary: keys[0]).decrypt(token)) != nil
    }

    /// `rotate-secrets` for one table: every stored token not yet under the first key is
    /// re-encrypted and handed to `replace` with its row's id. How many were, of how many.
    func rotateStale<ID>(_ stored: [(id: ID, ciphertext: String)], replace: (ID, String) async throws -> Void) async throws
        -> (rotated: Int, total: Int)
    {
        let stale = stored.filter { !isCurrent($0.ciphertext) }
        for (id, ciphertext) in stale { try await replace(id, try rotate(ciphertext)) }
        return (stale.count, stored.count)
    }

    private init(primary: Key) {
        self.keys = [primary]
    }
}

public enum FernetError: Error, Equatable, Sendable {
    case invalidKey
    /// Malformed, tampered, expired, made with an unknown key or dated too far in the future.
    case invalidToken
}
