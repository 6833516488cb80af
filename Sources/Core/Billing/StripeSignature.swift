import Crypto
import Foundation

/// Verifies Stripe's `Stripe-Signature` header: `t=<unix time>,v1=<hex HMAC-SHA256 of "t.body">[,v1=...]`.
/// Any `v1` value may match any of the configured secrets (both roll during a secret rotation), the
/// comparison is constant-time, and signatures older than the tolerance are refused (replays).
public enum StripeSignature {
    public static let tolerance: TimeInterval = 300

    public static func isValid(header: String?, body: [UInt8], secrets: [String], now: Date = .now) -> Bool {
        guard let header, !secrets.isEmpty else { return false }
        var timestamp: String?
        var signatures: [[UInt8]] = []
        for item in header.split(separator: ",") {
            let pair = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2 else { continue }
            if pair[0] == "t" { timestamp = pair[1] }
            if pair[0] == "v1", let bytes = hexBytes(pair[1]) { signatures.append(bytes) }
        }
        guard let timestamp, let seconds = OutsideValue.integer(timestamp, in: 0...OutsideValue.latestEpochSeconds), !signatures.isEmpty
        else { return false }
        guard abs(now.timeIntervalSince1970 - TimeInterval(seconds)) <= tolerance else { return false }
        let signedPayload = Array((timestamp + ".").utf8) + body
        for secret in secrets {
            let key = SymmetricKey(data: Array(secret.utf8))
            for signature in signatures where HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: signedPayload, using: key) {
                return true
            }
        }
        return false
    }

    /// The header Stripe would send for `body` at `time` (for tests and tooling).
    public static func header(for body: [UInt8], secret: String, time: Date = .now) -> String {
        let timestamp = String(Int(time.timeIntervalSince1970))
        let mac = HMAC<SHA256>.authenticationCode(for: Array((timestamp + ".").utf8) + body, using: SymmetricKey(data: Array(secret.utf8)))
        return "t=\(timestamp),v1=\(Hex.encode(mac))"
    }

    private static func hexBytes(_ text: String) -> [UInt8]? {
        guard text.count == 64 else { return nil }
        var bytes: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            guard let byte = UInt8(text[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        return bytes
    }
}
