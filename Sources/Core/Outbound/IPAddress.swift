import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// An IPv4 or IPv6 address as bytes (4 or 16), and what kind of network it belongs to: the outbound
/// guard decides from this whether a tenant-supplied host may be contacted.
public struct IPAddress: Hashable, Sendable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init?(bytes: [UInt8]) {
        guard bytes.count == 4 || bytes.count == 16 else { return nil }
        self.bytes = bytes
    }

    /// A canonical textual address (`203.0.113.7`, `2001:db8::1`), as `inet_pton` reads it.
    public init?(_ text: String) {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            bytes = withUnsafeBytes(of: &v4) { Array($0) }
            return
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            bytes = withUnsafeBytes(of: &v6) { Array($0) }
            return
        }
        return nil
    }

    /// Any spelling a resolver would accept for a numeric host, as it appears in a URL: IPv6 in
    /// brackets, and the legacy IPv4 forms `inet_aton` (and so `getaddrinfo`) still reads, such as
    /// `127.1`, `2130706433`, `0x7f.0.0.1` and `0177.0.0.1`. Nil for a host name.
    public static func literal(_ host: String) -> IPAddress? {
        if host.hasPrefix("[") && host.hasSuffix("]") {
            var inner = String(host.dropFirst().dropLast())
            // A zone index (`fe80::1%eth0`) names an interface of this machine: link-local anyway.
            if let percent = inner.firstIndex(of: "%") { inner = String(inner[..<percent]) }
            return IPAddress(inner).flatMap { $0.isIPv6 ? $0 : nil }
        }
        return legacyIPv4(host)
    }

    /// `inet_aton`'s grammar, written out here because glibc's parser is what a hostile URL targets:
    /// one to four parts, each decimal, octal (leading 0) or hex (0x), the last part filling the
    /// remaining bytes.
    static func legacyIPv4(_ text: String) -> IPAddress? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...4).contains(parts.count) else { return nil }
        var values: [UInt64] = []
        for part in parts {
            let lower = part.lowercased()
            let value: UInt64?
            if lower.hasPrefix("0x") {
                value = lower.count == 2 ? 0 : UInt64(lower.dropFirst(2), radix: 16)
            } else if lower.count > 1 && lower.hasPrefix("0") {
                value = UInt64(lower.dropFirst(), radix: 8)
            } else {
                value = lower.isEmpty ? nil : UInt64(lower, radix: 10)
            }
            guard let value, value <= UInt64(UInt32.max) else { return nil }
            values.append(value)
        }
        for value in values.dropLast() where value > 255 { return nil }
        let remaining = 4 - (values.count - 1)
        guard let last = values.last, last < (UInt64(1) << (8 * UInt64(remaining))) else { return nil }
        var bytes = values.dropLast().map { UInt8($0) }
        for index in (0..<remaining).reversed() {
            bytes.append(UInt8((last >> (8 * UInt64(index))) & 0xFF))
        }
        return IPAddress(bytes: bytes)
    }

    public var isIPv6: Bool { bytes.count == 16 }

    /// The IPv4 address an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) stands for.
    public var unmappedIPv4: IPAddress? {
        guard isIPv6, bytes.prefix(10).allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF else { return nil }
        return IPAddress(bytes: Array(bytes.suffix(4)))
    }

    /// The canonical text (`inet_ntop`).
    public var description: String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let family = isIPv6 ? AF_INET6 : AF_INET
        let written = bytes.withUnsafeBytes { raw in inet_ntop(family, raw.baseAddress, &buffer, socklen_t(buffer.count)) }
        return written == nil ? "?" : String(cString: buffer)
    }

    /// The IPv4 address an IPv6 address carries in its last four bytes, or in bytes 2-5 for 6to4.
    private func embeddedIPv4(at offset: Int) -> IPAddress {
        IPAddress(bytes: Array(bytes[offset..<offset + 4]))!
    }

    private func starts(with prefix: [UInt8], bits: Int) -> Bool {
        var remaining = bits
        for (lhs, rhs) in zip(bytes, prefix) where remaining > 0 {
            let width = min(8, remaining)
            let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - width))
            if lhs & mask != rhs & mask { return false }
            remaining -= width
        }
        return true
    }

    /// What kind of network the address belongs to.
    public var kind: Kind {
        isIPv6 ? ipv6Kind : ipv4Kind
    }

    public enum Kind: Sendable, Equatable {
        /// Reachable from the internet: the only kind a tenant may reach by default.
        case global
        /// 127/8, ::1: this machine.
        case loopback
        /// RFC 1918, 100.64/10 (carrier-grade NAT), fc00::/7: someone's internal network.
        case `private`
        /// Link-local (the cloud metadata service at 169.254.169.254 among them), unspecified,
        /// multicast, broadcast, documentation and other special-purpose ranges, and IPv6 forms
        /// that smuggle an IPv4 address past a check: never a GitHub host.
        case reserved
    }

    private static let ipv4Ranges: [(prefix: [UInt8], bits: Int, kind: Kind)] = [
        ([127, 0, 0, 0], 8, .loopback),
        ([10, 0, 0, 0], 8, .private),
        ([172, 16, 0, 0], 12, .private),
        ([192, 168, 0, 0], 16, .private),
        ([100, 64, 0, 0], 10, .private),
        ([0, 0, 0, 0], 8, .reserved),
        ([169, 254, 0, 0], 16, .reserved),
        ([192, 0, 0, 0], 24, .reserved),
        ([192, 0, 2, 0], 24, .reserved),
        ([192, 88, 99, 0], 24, .reserved),
        ([198, 18, 0, 0], 15, .reserved),
        ([198, 51, 100, 0], 24, .reserved),
        ([203, 0, 113, 0], 24, .reserved),
        ([224, 0, 0, 0], 4, .reserved),
        ([240, 0, 0, 0], 4, .reserved),  // reserved, and 255.255.255.255 (broadcast)
    ]

    private var ipv4Kind: Kind {
        Self.ipv4Ranges.first { starts(with: $0.prefix, bits: $0.bits) }?.kind ?? .global
    }

    private static let zero = [UInt8](repeating: 0, count: 16)

    private var ipv6Kind: Kind {
        if bytes == Self.zero { return .reserved }  // ::
        if bytes == Self.zero.dropLast() + [1] { return .loopback }  // ::1
        // IPv4-mapped (::ffff:0:0/96) and IPv4-compatible (::/96): another spelling of an IPv4
        // address. Only loopback's spelling is honoured (as loopback, for development).
        let mapped = starts(with: Self.zero.prefix(10) + [0xFF, 0xFF], bits: 96)
        let compatible = starts(with: Self.zero, bits: 96)
        if mapped || compatible { return embeddedIPv4(at: 12).kind == .loopback ? .loopback : .reserved }
        // NAT64 (64:ff9b::/96) and 6to4 (2002::/16) reach the IPv4 address they carry.
        if starts(with: [0x00, 0x64, 0xFF, 0x9B] + Self.zero.prefix(8), bits: 96) {
            return embeddedIPv4(at: 12).kind == .global ? .global : .reserved
        }
        if starts(with: [0x20, 0x02], bits: 16) { return embeddedIPv4(at: 2).kind == .global ? .global : .reserved }
        if starts(with: [0xFC], bits: 7) { return .private }
        let reserved: [(prefix: [UInt8], bits: Int)] = [
            ([0xFE, 0x80], 10),  // link-local
            ([0xFE, 0xC0], 10),  // site-local (deprecated)
            ([0xFF], 8),  // multicast
            ([0x20, 0x01, 0x0D, 0xB8], 32),  // documentation
            ([0x01, 0x00] + Self.zero.prefix(6), 64),  // discard-only
            ([0x20, 0x01, 0x00, 0x00], 32),  // Teredo: tunnels to an IPv4 address
        ]
        return reserved.contains { starts(with: $0.prefix, bits: $0.bits) } ? .reserved : .global
    }
}
