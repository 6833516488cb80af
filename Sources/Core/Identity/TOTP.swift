import Crypto
import Foundation

/// Time-based one-time passwords (RFC 6238) for the second factor, in the one profile every
/// authenticator app understands: HMAC-SHA-1, 6 digits, 30-second steps from the Unix epoch.
/// The secret must be stored reversibly (encrypted), since verifying needs it in the clear.
public struct TOTP: Sendable {
    public static let digits = 6
    public static let period: TimeInterval = 30

    public let secret: [UInt8]

    public init(secret: [UInt8]) {
        self.secret = secret
    }

    /// A new random secret of 160 bits, the length RFC 4226 §4 recommends (SHA-1's output size).
    public static func generate() -> TOTP {
        var generator = SystemRandomNumberGenerator()
        return TOTP(secret: (0..<20).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }

    /// The HOTP value (RFC 4226 §5.3) for one counter, zero-padded so leading zeros are not lost.
    public static func code(secret: [UInt8], counter: UInt64, digits: Int = 6) -> String {
        precondition((1...9).contains(digits), "HOTP yields 31 bits, at most 9 full decimal digits")
        let message = (0..<8).map { UInt8(truncatingIfNeeded: counter >> (56 - 8 * $0)) }
        let mac = Array(HMAC<Insecure.SHA1>.authenticationCode(for: message, using: SymmetricKey(data: secret)))
        let offset = Int(mac[mac.count - 1] & 0x0f)
        let word = mac[offset..<offset + 4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        let binary = word & 0x7fff_ffff
        var modulus: UInt32 = 1
        for _ in 0..<digits { modulus *= 10 }
        let value = String(binary % modulus)
        return String(repeating: "0", count: digits - value.count) + value
    }

    public func code(at date: Date) -> String {
        Self.code(secret: secret, counter: step(of: date), digits: Self.digits)
    }

    /// The number of whole periods since the epoch; dates before it count as step 0.
    public func step(of date: Date) -> UInt64 {
        let seconds = date.timeIntervalSince1970
        guard seconds.isFinite, seconds > 0 else { return 0 }
        return UInt64(seconds / Self.period)
    }

    /// The step whose code was typed, looking `window` steps either side to forgive clock drift
    /// and a slow typist. The step is returned, not a Bool, because a code stays valid for the
    /// whole window: the caller must refuse a step at or before the last one it accepted, or an
    /// observed code could be replayed.
    public func matchingStep(_ code: String, at date: Date, window: Int = 1) -> UInt64? {
        guard let typed = Self.typedDigits(code) else { return nil }
        let current = step(of: date)
        let window = UInt64(max(0, window))
        let first = current >= window ? current - window : 0
        let last = current <= UInt64.max - window ? current + window : UInt64.max
        // Every step in the window is compared, and each comparison in full, so the time taken
        // says nothing about how close a guess came.
        var matched: UInt64?
        for candidate in first...last {
            let expected = Array(Self.code(secret: secret, counter: candidate, digits: Self.digits).utf8)
            if Self.constantTimeEqual(expected, typed) { matched = candidate }
        }
        return matched
    }

    /// The secret as authenticator apps accept it typed in or scanned: RFC 4648 base32, no padding.
    public var base32Secret: String {
        Base32.encode(secret)
    }

    /// Reads a secret as people copy it: any case, grouped with spaces, with or without padding.
    public init?(base32 text: String) {
        guard let bytes = Base32.decode(text), !bytes.isEmpty else { return nil }
        self.init(secret: bytes)
    }

    /// The Key URI (Google Authenticator's format) shown as a QR code. The issuer appears both as
    /// the label prefix and as a parameter because older apps read only one or the other.
    public func otpauthURI(issuer: String, account: String) -> String {
        let issuer = Self.percentEncoded(issuer)
        let account = Self.percentEncoded(account)
        return "otpauth://totp/\(issuer):\(account)?secret=\(base32Secret)&issuer=\(issuer)"
            + "&algorithm=SHA1&digits=\(Self.digits)&period=\(Int(Self.period))"
    }

    /// Exactly six ASCII digits, tolerating surrounding whitespace (pasted codes carry newlines)
    /// and the one inner space apps show ("123 456"). Non-ASCII digits are refused, not folded.
    private static func typedDigits(_ input: String) -> [UInt8]? {
        let trimmed = Array(input.trimmingCharacters(in: .whitespacesAndNewlines).utf8)
        let digits = trimmed.filter { $0 != UInt8(ascii: " ") }
        guard trimmed.count - digits.count <= 1, digits.count == Self.digits else { return nil }
        guard digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else { return nil }
        return digits
    }

    private static func constantTimeEqual(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for index in lhs.indices { difference |= lhs[index] ^ rhs[index] }
        return difference == 0
    }

    /// RFC 3986 unreserved characters stay, everything else (':' included, so an account cannot
    /// fake the issuer/account separator) is percent-encoded as UTF-8.
    private static func percentEncoded(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var output: [UInt8] = []
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                output.append(byte)
            default:
                output += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0f)]]
            }
        }
        return String(decoding: output, as: UTF8.self)
    }
}

extension TOTP: CustomStringConvertible {
    /// Redacted: a TOTP interpolated into a log line must not hand out the second factor.
    public var description: String { "TOTP(secret: <redacted>)" }
}

/// RFC 4648 §6 base32 without padding, only as much of it as TOTP secrets need.
private enum Base32 {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var output: [UInt8] = []
        var buffer: UInt32 = 0
        var bits = 0
        for byte in bytes {
            buffer = (buffer << 8 | UInt32(byte)) & 0xfff
            bits += 8
            while bits >= 5 {
                output.append(alphabet[Int(buffer >> (bits - 5) & 0x1f)])
                bits -= 5
            }
        }
        if bits > 0 { output.append(alphabet[Int(buffer << (5 - bits) & 0x1f)]) }
        return String(decoding: output, as: UTF8.self)
    }

    /// Nil on any character outside the alphabet; '=' is accepted only as trailing padding.
    static func decode(_ text: String) -> [UInt8]? {
        // ASCII-only case folding: Unicode's would turn "ß" into "SS" and let it through.
        var symbols = text.utf8.filter { $0 != UInt8(ascii: " ") }.map { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) ? byte - 0x20 : byte
        }
        while symbols.last == UInt8(ascii: "=") { symbols.removeLast() }
        var output: [UInt8] = []
        var buffer: UInt32 = 0
        var bits = 0
        for symbol in symbols {
            guard let value = alphabet.firstIndex(of: symbol) else { return nil }
            buffer = (buffer << 5 | UInt32(value)) & 0xfff
            bits += 5
            if bits >= 8 {
                output.append(UInt8(truncatingIfNeeded: buffer >> (bits - 8)))
                bits -= 8
            }
        }
        return output
    }
}

/// Single-use codes that stand in for the second factor when the authenticator is lost, e.g.
/// `k7rq2-m9xtb`. Only their SHA-256 is stored.
///
/// A fast, unsalted hash is enough because the codes, unlike passwords, are uniformly random from
/// a CSPRNG, so there is no dictionary to try first; online guessing is throttled and every code
/// works once. What the length must resist is a sweep of a stolen database: unsalted, one pass
/// over the whole space finds every user's codes at once. Eight characters (~40 bits) fall to a
/// single GPU in under a minute; ten (~50 bits) take it about half a day, and a cracked code is
/// still meant to replace only the second factor, never the bcrypt-protected password.
public enum RecoveryCodes {
    /// Lower-case letters and digits without 0/o, 1/l/i, which are misread when copied by hand.
    static let alphabet = Array("23456789abcdefghjkmnpqrstuvwxyz")
    static let length = 10

    /// `count` distinct codes, grouped 5-5 for reading aloud and typing.
    public static func generate(count: Int = 10) -> [String] {
        var generator = SystemRandomNumberGenerator()
        var codes: [String] = []
        while codes.count < count {
            let symbols = (0..<length).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] }
            let code = String(symbols.prefix(length / 2)) + "-" + String(symbols.suffix(length / 2))
            if !codes.contains(code) { codes.append(code) }
        }
        return codes
    }

    /// The canonical form that is hashed and compared: any case, hyphens and spaces ignored; nil
    /// if what remains is not exactly one code's worth of the alphabet.
    public static func normalized(_ input: String) -> String? {
        let symbols = input.lowercased().filter { $0 != "-" && $0 != " " }
        guard symbols.count == length, symbols.allSatisfy({ alphabet.contains($0) }) else { return nil }
        return symbols
    }

    /// The lower-case hex SHA-256 of a normalized code, as stored and looked up.
    public static func hash(_ normalized: String) -> String {
        Hex.encode(SHA256.hash(data: Array(normalized.utf8)))
    }
}
