import CHiredis
import NIOCore
import NIOPosix

/// One Redis connection on a NIO event loop, which many callers share: each call's commands are
/// written as one buffer, so a pipeline or a `MULTI`/`EXEC` is never split by another caller's
/// commands, and replies come back in the order the calls were written. Nothing blocks a thread:
/// the API's requests spend the budget and read their stamps in one Redis call each, and handing
/// that call to a thread of a pool and back cost more than the call itself (BENCHMARKS.md, issue 15).
///
/// Replies are parsed by hiredis's reader, the parser Redis itself ships; only writing a command
/// is done here, because RESP's request form is one line per argument.
final class RedisConnection: Sendable {
    private let channel: any Channel

    private init(channel: any Channel) {
        self.channel = channel
    }

    /// False once the connection broke or the server closed it; the client then opens another.
    var isActive: Bool { channel.isActive }

    var eventLoop: any EventLoop { channel.eventLoop }

    /// Connects on `eventLoop`, authenticates and selects the database, within the connect timeout.
    static func connect(settings: RedisSettings, on eventLoop: any EventLoop) async throws(RedisError) -> RedisConnection {
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: eventLoop)
                .connectTimeout(TimeAmount(settings.connectTimeout))
                .channelOption(.socketOption(.so_keepalive), value: 1)
                .channelOption(.tcpOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            RedisReplyHandler(commandTimeout: TimeAmount(settings.commandTimeout))
                        )
                    }
                }
                .connect(host: settings.host, port: settings.port)
                .get()
        } catch {
            throw .connection("\(settings.host):\(settings.port): \(error)")
        }
        let connection = RedisConnection(channel: channel)
        do throws(RedisError) {
            if let password = settings.password {
                let auth = settings.username.map { RedisCommand("AUTH", $0, password) } ?? RedisCommand("AUTH", password)
                _ = try await connection.send(auth)
            }
            if settings.database != 0 {
                _ = try await connection.send(RedisCommand("SELECT", settings.database))
            }
        } catch {
            connection.close()
            throw error
        }
        return connection
    }

    /// Sends one command and waits for its reply; an error reply is thrown as `RedisError.server`.
    /// `timeout` extends the reply deadline (for a blocking command, on a connection of its own).
    func send(_ command: RedisCommand, timeout: Duration? = nil) async throws(RedisError) -> RedisReply {
        let reply = try await pipeline([command], timeout: timeout)[0]
        if case .error(let message) = reply { throw .server(message) }
        return reply
    }

    /// Writes all commands at once and returns their replies in order, error replies in place.
    func pipeline(_ commands: [RedisCommand], timeout: Duration? = nil) async throws(RedisError) -> [RedisReply] {
        let promise = channel.eventLoop.makePromise(of: [RedisReply].self)
        let request = RedisRequest(commands: commands, extraTime: timeout.map(TimeAmount.init), promise: promise)
        channel.writeAndFlush(request).whenFailure { error in promise.fail(error) }
        do {
            return try await promise.futureResult.get()
        } catch let error as RedisError {
            throw error
        } catch {
            throw .connection("\(error)")
        }
    }

    func close() {
        channel.close(promise: nil)
    }
}

/// One call's commands and where their replies go.
struct RedisRequest: Sendable {
    let commands: [RedisCommand]
    /// Added to the command timeout for this call.
    let extraTime: TimeAmount?
    let promise: EventLoopPromise<[RedisReply]>
}

/// Writes requests in RESP and matches replies to them in order. A reply that does not arrive
/// within the command timeout, a protocol error or a closed connection fails every waiting call
/// and closes the channel: after any of them the stream's position is unknown.
final class RedisReplyHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = RedisRequest
    typealias OutboundOut = ByteBuffer

    private struct Waiting {
        let request: RedisRequest
        var replies: [RedisReply] = []
    }

    private let commandTimeout: TimeAmount
    private let reader: UnsafeMutablePointer<redisReader>
    private var waiting = CircularBuffer<Waiting>()
    private var deadline: Scheduled<Void>?

    init(commandTimeout: TimeAmount) {
        self.commandTimeout = commandTimeout
        self.reader = redisReaderCreate()
    }

    deinit {
        redisReaderFree(reader)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        guard !request.commands.isEmpty else {
            request.promise.succeed([])
            promise?.succeed()
            return
        }
        var buffer = context.channel.allocator.buffer(capacity: request.commands.reduce(0) { $0 + Self.size(of: $1) })
        for command in request.commands { Self.encode(command, into: &buffer) }
        waiting.append(Waiting(request: request))
        if waiting.count == 1 { armDeadline(context: context) }
        context.write(wrapOutboundOut(buffer), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        let fed = buffer.withUnsafeReadableBytes { bytes in
            redisReaderFeed(reader, bytes.baseAddress?.assumingMemoryBound(to: CChar.self), bytes.count)
        }
        guard fed == REDIS_OK else { return fail(context: context, RedisError.connection("cannot buffer a reply")) }
        while true {
            var raw: UnsafeMutableRawPointer?
            guard redisReaderGetReply(reader, &raw) == REDIS_OK else {
                return fail(context: context, RedisError.connection("protocol error: \(readerError)"))
            }
            guard let raw else { return }
            let reply = RedisReply(hiredis: raw.assumingMemoryBound(to: redisReply.self))
            freeReplyObject(raw)
            guard !waiting.isEmpty else { return fail(context: context, RedisError.connection("a reply nobody asked for")) }
            waiting[waiting.startIndex].replies.append(reply)
            if waiting[waiting.startIndex].replies.count == waiting[waiting.startIndex].request.commands.count {
                let done = waiting.removeFirst()
                deadline?.cancel()
                deadline = nil
                if !waiting.isEmpty { armDeadline(context: context) }
                done.request.promise.succeed(done.replies)
            }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        failAll(RedisError.connection("connection closed"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(context: context, RedisError.connection("\(error)"))
    }

    /// The oldest call's reply is due within the command timeout (plus its own extra time).
    private func armDeadline(context: ChannelHandlerContext) {
        guard let first = waiting.first else { return }
        let allowed = commandTimeout + (first.request.extraTime ?? .zero)
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        deadline = context.eventLoop.scheduleTask(in: allowed) {
            let (handler, context) = loopBound.value
            handler.fail(context: context, RedisError.connection("no reply within \(allowed.nanoseconds / 1_000_000) ms"))
        }
    }

    private func fail(context: ChannelHandlerContext, _ error: RedisError) {
        failAll(error)
        context.close(promise: nil)
    }

    private func failAll(_ error: RedisError) {
        deadline?.cancel()
        deadline = nil
        while let next = waiting.popFirst() { next.request.promise.fail(error) }
    }

    private var readerError: String {
        withUnsafeBytes(of: reader.pointee.errstr) { raw in String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self) }
    }

    // MARK: RESP requests: `*<count>\r\n`, then `$<length>\r\n<bytes>\r\n` per argument.

    private static func size(of command: RedisCommand) -> Int {
        command.arguments.reduce(16) { $0 + $1.count + 16 }
    }

    private static func encode(_ command: RedisCommand, into buffer: inout ByteBuffer) {
        buffer.writeString("*\(command.arguments.count)\r\n")
        for argument in command.arguments {
            buffer.writeString("$\(argument.count)\r\n")
            buffer.writeBytes(argument)
            buffer.writeStaticString("\r\n")
        }
    }
}

extension RedisReply {
    /// A reply as hiredis's reader built it.
    init(hiredis reply: UnsafeMutablePointer<redisReply>) {
        let value = reply.pointee
        switch value.type {
        case REDIS_REPLY_STRING:
            self = .bulk(Self.bytes(value.str, value.len))
        case REDIS_REPLY_STATUS:
            self = .status(String(decoding: Self.bytes(value.str, value.len), as: UTF8.self))
        case REDIS_REPLY_ERROR:
            self = .error(String(decoding: Self.bytes(value.str, value.len), as: UTF8.self))
        case REDIS_REPLY_INTEGER:
            self = .integer(Int(value.integer))
        case REDIS_REPLY_ARRAY:
            self = .array((0..<value.elements).map { RedisReply(hiredis: value.element[$0]!) })
        default:
            self = .null
        }
    }

    private static func bytes(_ pointer: UnsafeMutablePointer<CChar>?, _ length: Int) -> [UInt8] {
        guard let pointer, length > 0 else { return [] }
        return Array(UnsafeRawBufferPointer(start: pointer, count: length))
    }
}
