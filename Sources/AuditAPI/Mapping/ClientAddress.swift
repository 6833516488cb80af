import Core
import Foundation

/// The client's IP: the TCP peer, unless the peer is a trusted proxy, in which case the nearest
/// address in `X-Forwarded-For` that is not itself a trusted proxy. Addresses a client wrote
/// further left are never believed, so the value cannot be spoofed past the proxies.
enum ClientAddress {
    static func resolve(peer: String?, forwardedFor: String?, trustedProxies: [IPAddressRange]) -> String {
        let peer = peer ?? ""
        guard isTrusted(peer, trustedProxies), let forwardedFor else { return peer }
        let hops = forwardedFor.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        for hop in hops.reversed() where !isTrusted(hop, trustedProxies) {
            return hop
        }
        return hops.first ?? peer
    }

    static func isTrusted(_ address: String, _ proxies: [IPAddressRange]) -> Bool {
        proxies.contains { $0.contains(address) }
    }
}
