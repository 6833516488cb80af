import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A TCP server on 127.0.0.1 that accepts connections but never reads or answers: a dependency that
/// hangs. It counts the connections it accepted, so a test can wait until a client is stuck on it.
public final class SilentListener: Sendable {
    public let port: Int
    private let fd: Int32
    private let accepted = Mutex<[Int32]>([])

    public init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw PortError.noSocket }
        self.fd = fd
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0, listen(fd, 64) == 0 else {
            _ = Glibc.close(fd)
            throw PortError.noSocket
        }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        // accept() blocks, so it gets a thread of its own rather than one of the cooperative pool.
        let thread = Thread { [self] in
            while true {
                let client = Glibc.accept(fd, nil, nil)
                guard client >= 0 else { return }
                accepted.withLock { $0.append(client) }
            }
        }
        thread.start()
    }

    public var connectionCount: Int { accepted.withLock { $0.count } }

    public func close() {
        shutdown(fd, Int32(SHUT_RDWR))
        _ = Glibc.close(fd)
        accepted.withLock { clients in
            clients.forEach { _ = Glibc.close($0) }
            clients.removeAll()
        }
    }
}
