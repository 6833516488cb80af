import Crypto
import HummingbirdBcrypt
import NIOPosix

/// bcrypt over the SHA-256 of the password (Django's `bcrypt_sha256`), so that passwords longer than
/// bcrypt's 72 bytes are not silently truncated. Hashing is deliberately slow (~250 ms at cost 12),
/// so it runs on NIO's blocking pool, never on Swift's two cooperative threads.
public struct PasswordHasher: Sendable {
    static let prefix = "bcrypt_sha256$"
    public let cost: Int

    public init(cost: Int) {
        self.cost = cost
    }

    public func hash(_ password: String) async throws -> String {
        let input = Self.prehash(password)
        let cost = self.cost
        return try await NIOThreadPool.singleton.runIfActive {
            Self.prefix + Bcrypt.hash(input, cost: UInt8(cost))
        }
    }

    public func verify(_ password: String, against stored: String) async throws -> Bool {
        guard stored.hasPrefix(Self.prefix) else { return false }
        let input = Self.prehash(password)
        let hash = String(stored.dropFirst(Self.prefix.count))
        return try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(input, hash: hash) }
    }

    /// A hash of a random password, compared against when the user does not exist, so a login
    /// for an unknown e-mail takes as long as one for a known one.
    public func decoy() async throws -> String {
        try await hash(Hex.encode(SHA256.hash(data: Array(String(cost).utf8))))
    }

    private static func prehash(_ password: String) -> String {
        Hex.encode(SHA256.hash(data: Array(password.utf8)))
    }
}
