import Foundation
import NIOPosix

#if canImport(Glibc)
    import Glibc
#endif

/// Resolves a host name to every address it has, with the system resolver (`getaddrinfo`), on
/// NIO's blocking-work thread pool. Written here rather than borrowed from NIO because NIO's
/// resolver is internal to its bootstraps, and the guard must see the addresses before a
/// connection exists (then pin the connection to one of them).
enum HostResolver {
    static func addresses(of host: String) async throws -> [IPAddress] {
        try await NIOThreadPool.singleton.runIfActive { try lookup(host) }
    }

    struct Failure: Error, CustomStringConvertible {
        let code: Int32
        var description: String { String(cString: gai_strerror(code)) }
    }

    private static func lookup(_ host: String) throws -> [IPAddress] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, nil, &hints, &result)
        guard status == 0 else { throw Failure(code: status) }
        defer { freeaddrinfo(result) }
        var addresses: [IPAddress] = []
        var cursor = result
        while let entry = cursor?.pointee {
            cursor = entry.ai_next
            guard let socketAddress = entry.ai_addr else { continue }
            switch Int32(socketAddress.pointee.sa_family) {
            case AF_INET:
                var v4 = socketAddress.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr }
                if let address = IPAddress(bytes: withUnsafeBytes(of: &v4) { Array($0) }) { addresses.append(address) }
            case AF_INET6:
                var v6 = socketAddress.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_addr }
                if let address = IPAddress(bytes: withUnsafeBytes(of: &v6) { Array($0) }) { addresses.append(address) }
            default:
                continue
            }
        }
        var seen = Set<IPAddress>()
        return addresses.filter { seen.insert($0).inserted }
    }
}
