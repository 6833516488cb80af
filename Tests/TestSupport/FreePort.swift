import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A TCP port on 127.0.0.1 that nothing listens on right now, for a server that a test starts
/// later (a child process, a Redis server of its own).
///
/// The port is picked below the kernel's ephemeral range. Every in-process server binds port 0 and
/// every outgoing connection takes an ephemeral port, and in a suite that does all of that at once,
/// such a port was seen taken between the pick and the child's bind. Picks in this process never
/// repeat. Falls back to the kernel's pick when the range leaves no room below it.
public func freeLoopbackPort() throws -> Int {
    if let range = PortPicker.range {
        for _ in 0..<200 {
            let port = range.lowerBound + PortPicker.next.add(1, ordering: .relaxed).oldValue % range.count
            if let (fd, _) = try? boundLoopbackSocket(port: port) {
                close(fd)
                return port
            }
        }
    }
    let (fd, port) = try boundLoopbackSocket()
    close(fd)
    return port
}

private enum PortPicker {
    /// From 20000 to just below `ip_local_port_range` (32768 by default); nil when that leaves
    /// fewer than 1000 ports.
    static let range: Range<Int>? = {
        let text = (try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8)) ?? ""
        let ephemeral = text.split(whereSeparator: \.isWhitespace).first.flatMap { Int($0) } ?? 32768
        return ephemeral >= 21000 ? 20000..<ephemeral : nil
    }()
    /// A random start, so that two test processes on one machine rarely walk the same ports.
    static let next = Atomic<Int>(Int.random(in: 0..<10_000))
}

/// A TCP socket bound to 127.0.0.1 on `requested`, or on a port the kernel picks (0); the caller
/// owns the descriptor.
func boundLoopbackSocket(port requested: Int = 0) throws -> (fd: Int32, port: Int) {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw PortError.noSocket }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(requested)).bigEndian
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
    }
    let named = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    guard bound == 0, named == 0 else {
        close(fd)
        throw PortError.noSocket
    }
    return (fd, Int(UInt16(bigEndian: address.sin_port)))
}

public enum PortError: Error {
    case noSocket
}
