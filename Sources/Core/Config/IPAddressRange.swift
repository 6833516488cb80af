import Foundation

/// An IPv4 or IPv6 address or CIDR range, e.g. `10.0.0.0/8`, `203.0.113.7`, `fd00::/8`.
public struct IPAddressRange: Equatable, Sendable {
    let network: [UInt8]
    let prefixLength: Int

    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1)
        guard let first = parts.first, let address = IPAddressRange.bytes(of: String(first)) else { return nil }
        let maximum = address.count * 8
        if parts.count == 2 {
            guard let length = Int(parts[1]), (0...maximum).contains(length) else { return nil }
            prefixLength = length
        } else {
            prefixLength = maximum
        }
        network = address
    }

    /// True when `address` (textual IPv4 or IPv6) lies in the range.
    public func contains(_ address: String) -> Bool {
        guard let candidate = IPAddressRange.bytes(of: address), candidate.count == network.count else { return false }
        var remaining = prefixLength
        for (lhs, rhs) in zip(network, candidate) where remaining > 0 {
            let bits = min(8, remaining)
            let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
            if lhs & mask != rhs & mask { return false }
            remaining -= bits
        }
        return true
    }

    /// The 4 or 16 bytes of a textual address; an IPv4-mapped IPv6 address counts as IPv4.
    static func bytes(of text: String) -> [UInt8]? {
        guard let address = IPAddress(text) else { return nil }
        return address.unmappedIPv4?.bytes ?? address.bytes
    }
}
