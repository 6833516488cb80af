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
        let (fd, port) = try boundLoopbackSocket()
        guard listen(fd, 64) == 0 else {
            _ = Glibc.close(fd)
            throw PortError.noSocket
        }
        self.fd = fd
        self.port = port
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
