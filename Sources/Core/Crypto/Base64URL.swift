import Foundation

/// URL-safe base64 (RFC 4648 §5), as Fernet keys and JWTs use it; padding optional on input.
public enum Base64URL {
    public static func decode(_ text: some StringProtocol) -> [UInt8]? {
        var standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        let remainder = standard.count % 4
        if remainder == 1 { return nil }
        if remainder > 0 { standard += String(repeating: "=", count: 4 - remainder) }
        return Data(base64Encoded: standard).map(Array.init)
    }

    public static func encode(_ bytes: some Sequence<UInt8>, padded: Bool = true) -> String {
        var text = Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
        if !padded { text = text.replacingOccurrences(of: "=", with: "") }
        return text
    }
}
