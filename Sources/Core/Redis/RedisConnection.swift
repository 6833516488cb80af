import CHiredis
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// One blocking hiredis connection. Every method blocks the calling thread, so it must only be used
/// from `RedisClient`'s own thread pool, never from Swift's cooperative pool.
final class RedisConnection: Sendable {
    private let context: Mutex<UnsafeMutablePointer<redisContext>>
    private let settings: RedisSettings
    /// Set once an I/O or protocol error leaves the stream in an unknown state.
    private let broken = Atomic<Bool>(false)

    /// Connects, authenticates and selects the database, all within the connect timeout.
    init(settings: RedisSettings) throws(RedisError) {
        guard let pointer = redisConnectWithTimeout(settings.host, Int32(settings.port), makeTimeval(settings.connectTimeout)) else {
            throw RedisError.connection("cannot allocate a hiredis context")
        }
        if pointer.pointee.err != 0 {
            let message = Self.errorString(pointer)
            redisFree(pointer)
            throw RedisError.connection("\(settings.host):\(settings.port): \(message)")
        }
        redisEnableKeepAlive(pointer)
        redisSetTimeout(pointer, makeTimeval(settings.commandTimeout))
        self.context = Mutex(pointer)
        self.settings = settings

        if let password = settings.password {
            let auth = settings.username.map { RedisCommand("AUTH", $0, password) } ?? RedisCommand("AUTH", password)
            _ = try send(auth)
        }
        if settings.database != 0 {
            _ = try send(RedisCommand("SELECT", settings.database))
        }
    }

    deinit {
        context.withLock { redisFree($0) }
    }

    var isBroken: Bool { broken.load(ordering: .relaxed) }

    /// Sends one command and waits for its reply. An error reply is thrown as `RedisError.server`.
    /// `timeout` replaces the command timeout for this call (blocking commands need longer).
    func send(_ command: RedisCommand, timeout: Duration? = nil) throws(RedisError) -> RedisReply {
        let reply = try pipeline([command], timeout: timeout)[0]
        if case .error(let message) = reply { throw RedisError.server(message) }
        return reply
    }

    /// Writes all commands in one round trip and reads their replies in order. Error replies are
    /// returned in place so the caller can tell which command failed.
    func pipeline(_ commands: [RedisCommand], timeout: Duration? = nil) throws(RedisError) -> [RedisReply] {
        guard !isBroken else { throw RedisError.connection("connection already failed") }
        let result: Result<[RedisReply], RedisError> = context.withLock { pointer in
            if let timeout { redisSetTimeout(pointer, makeTimeval(timeout + settings.commandTimeout)) }
            defer { if timeout != nil { redisSetTimeout(pointer, makeTimeval(settings.commandTimeout)) } }
            for command in commands {
                guard Self.append(command, to: pointer) == REDIS_OK else {
                    return .failure(.connection(Self.errorString(pointer)))
                }
            }
            var replies: [RedisReply] = []
            replies.reserveCapacity(commands.count)
            for _ in commands {
                var raw: UnsafeMutableRawPointer?
                guard redisGetReply(pointer, &raw) == REDIS_OK, let raw else {
                    return .failure(.connection(Self.errorString(pointer)))
                }
                let reply = raw.assumingMemoryBound(to: redisReply.self)
                replies.append(Self.decode(reply))
                freeReplyObject(raw)
            }
            return .success(replies)
        }
        switch result {
        case .success(let replies):
            return replies
        case .failure(let error):
            broken.store(true, ordering: .relaxed)
            throw error
        }
    }

    /// True when the server has closed this idle connection (for example because it restarted).
    /// A non-blocking peek costs one system call and no round trip.
    func peerHasClosed() -> Bool {
        context.withLock { pointer in
            var byte: UInt8 = 0
            let received = recv(pointer.pointee.fd, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT))
            if received == 0 { return true }  // orderly shutdown by the server
            if received > 0 { return true }  // unsolicited bytes: the stream is out of step
            return errno != EAGAIN && errno != EWOULDBLOCK
        }
    }

    private static func append(_ command: RedisCommand, to pointer: UnsafeMutablePointer<redisContext>) -> Int32 {
        let count = command.arguments.count
        let lengths = command.arguments.map(\.count)
        let buffers = UnsafeMutablePointer<UnsafePointer<CChar>?>.allocate(capacity: count)
        defer { buffers.deallocate() }
        // Copy each argument into memory that stays valid for the call; hiredis copies it again into
        // its output buffer before returning.
        var storage: [UnsafeMutableRawBufferPointer] = []
        storage.reserveCapacity(count)
        defer { storage.forEach { $0.deallocate() } }
        for (index, argument) in command.arguments.enumerated() {
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(argument.count, 1), alignment: 1)
            buffer.copyBytes(from: argument)
            storage.append(buffer)
            buffers[index] = UnsafePointer(buffer.baseAddress!.assumingMemoryBound(to: CChar.self))
        }
        return lengths.withUnsafeBufferPointer { lengthPointer in
            redisAppendCommandArgv(pointer, Int32(count), buffers, lengthPointer.baseAddress)
        }
    }

    private static func decode(_ reply: UnsafeMutablePointer<redisReply>) -> RedisReply {
        let value = reply.pointee
        switch value.type {
        case REDIS_REPLY_STRING:
            return .bulk(bytes(value.str, value.len))
        case REDIS_REPLY_STATUS:
            return .status(String(decoding: bytes(value.str, value.len), as: UTF8.self))
        case REDIS_REPLY_ERROR:
            return .error(String(decoding: bytes(value.str, value.len), as: UTF8.self))
        case REDIS_REPLY_INTEGER:
            return .integer(Int(value.integer))
        case REDIS_REPLY_ARRAY:
            return .array((0..<value.elements).map { decode(value.element[$0]!) })
        default:
            return .null
        }
    }

    private static func bytes(_ pointer: UnsafeMutablePointer<CChar>?, _ length: Int) -> [UInt8] {
        guard let pointer, length > 0 else { return [] }
        return Array(UnsafeRawBufferPointer(start: pointer, count: length))
    }

    private static func errorString(_ pointer: UnsafeMutablePointer<redisContext>) -> String {
        let message = withUnsafeBytes(of: pointer.pointee.errstr) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        return message.isEmpty ? "connection closed" : message
    }
}

private func makeTimeval(_ duration: Duration) -> timeval {
    let (seconds, attoseconds) = duration.components
    return timeval(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
}
