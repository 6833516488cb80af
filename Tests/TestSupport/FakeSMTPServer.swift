import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A local SMTP server on 127.0.0.1 for tests of the e-mail outbox. It speaks the dialogue of
/// libcurl's SMTP client (EHLO or HELO, AUTH PLAIN or LOGIN, MAIL, RCPT, DATA, RSET, NOOP, QUIT),
/// keeps every message it accepted, and can be scripted while running: refuse a recipient, fail
/// the next deliveries, or hold the answer to the end of DATA so that a test can kill the sender
/// mid-send. No STARTTLS: it is loopback only.
///
/// Plain POSIX sockets with a blocking thread per connection, as in `SilentListener`: SMTP is a
/// strict one-line-at-a-time dialogue, so each session reads as straight-line code, and holding a
/// delivery is just that thread waiting, with no event-loop state machine or extra dependency.
/// The threads are never joined, so they cannot keep the test process alive.
public final class FakeSMTPServer: Sendable {
    /// One message as the server accepted it.
    public struct Message: Sendable {
        /// The reverse path of `MAIL FROM` ("" for the null sender `<>`).
        public let from: String
        /// The accepted `RCPT TO` addresses, in order.
        public let recipients: [String]
        /// The raw RFC 5322 text: CRLF line ends, dot-unstuffed, each line ending with CRLF.
        public let data: String
        /// Who had authenticated on the connection that sent it; nil without AUTH.
        public let username: String?
    }

    /// A successful AUTH, decoded.
    public struct Login: Sendable, Equatable {
        public let username: String
        public let password: String

        public init(username: String, password: String) {
            self.username = username
            self.password = password
        }
    }

    /// Larger messages are read to their end and refused with 552.
    public static let maximumMessageSize = 10 * 1024 * 1024

    private struct Reply: Sendable {
        let code: Int
        let message: String
        var line: String { "\(code) \(message)" }
    }

    private struct ScriptedReplies: Sendable {
        var remaining: Int
        let reply: Reply
    }

    private struct State: Sendable {
        var stopped = false
        var connections: Set<Int32> = []
        var messages: [Message] = []
        var deliveryAttempts = 0
        var deliveryReplies: [ScriptedReplies] = []
        /// Keyed by lower-cased address.
        var rejected: [String: Reply] = [:]
        var paused = false
        var pausedDeliveries = 0
        var logins: [Login] = []
        var requiredLogin: Login?
    }

    public let port: Int
    private let fd: Int32
    private let state = Mutex<State>(State())

    public var url: String { "smtp://127.0.0.1:\(port)" }

    public init() throws {
        let (fd, port) = try boundLoopbackSocket()
        guard listen(fd, 64) == 0 else {
            _ = Glibc.close(fd)
            throw PortError.noSocket
        }
        self.fd = fd
        self.port = port
        // accept() blocks, so it gets a thread of its own rather than one of the cooperative pool.
        Thread { [self] in acceptConnections() }.start()
    }

    // MARK: - Scripting

    /// The next `count` deliveries (the answer to the "." that ends DATA) get this reply instead of
    /// 250; calls queue up in order. A 2xx code still stores the message, any other does not.
    public func reply(toNext count: Int, withCode code: Int, message: String = "scripted reply") {
        guard count > 0 else { return }
        let scripted = ScriptedReplies(remaining: count, reply: Reply(code: code, message: message))
        state.withLock { $0.deliveryReplies.append(scripted) }
    }

    /// `RCPT TO` for this address (any case) gets this reply, and the address joins no envelope.
    public func reject(recipient: String, code: Int = 550, message: String = "no such user") {
        state.withLock { $0.rejected[recipient.lowercased()] = Reply(code: code, message: message) }
    }

    /// Undoes `reject(recipient:)`.
    public func accept(recipient: String) {
        state.withLock { _ = $0.rejected.removeValue(forKey: recipient.lowercased()) }
    }

    /// From now on AUTH succeeds only with these credentials (535 otherwise), and MAIL without a
    /// successful AUTH gets 530.
    public func requireLogin(username: String, password: String) {
        state.withLock { $0.requiredLogin = Login(username: username, password: password) }
    }

    /// From now on every delivery waits after the "." that ends DATA, before it is stored and
    /// answered, until `resume()`; `pausedDeliveries` counts the waiting ones. A held message is
    /// stored on `resume()` even if its sender has gone by then, as a server that commits before
    /// answering would (the duplicate of RFC 1047); `shutdown()` instead drops it unanswered.
    public func pauseBeforeAccepting() {
        state.withLock { $0.paused = true }
    }

    /// Releases every delivery held by `pauseBeforeAccepting()` and stops holding new ones.
    public func resume() {
        state.withLock { $0.paused = false }
    }

    // MARK: - What was seen

    public var messages: [Message] { state.withLock { $0.messages } }
    /// Every "." that ended DATA, whatever the answer (scripted failures and 552 included).
    public var deliveryAttempts: Int { state.withLock { $0.deliveryAttempts } }
    public var pausedDeliveries: Int { state.withLock { $0.pausedDeliveries } }
    public var logins: [Login] { state.withLock { $0.logins } }
    public var openConnections: Int { state.withLock { $0.connections.count } }

    /// All messages once there are at least `count`, checking every 50 ms.
    public func waitForMessages(count: Int, timeout: Duration = .seconds(30)) async throws -> [Message] {
        let deadline = ContinuousClock.now + timeout
        while true {
            let received = messages
            if received.count >= count { return received }
            guard ContinuousClock.now < deadline else {
                throw EventuallyTimeout(
                    message: "FakeSMTPServer on port \(port) has \(received.count) of \(count) messages after \(timeout) "
                        + "(\(deliveryAttempts) delivery attempts, \(pausedDeliveries) paused, \(openConnections) open connections)"
                )
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Stops accepting and drops every connection, unanswered; safe to call more than once.
    public func shutdown() {
        state.withLock { current in
            guard !current.stopped else { return }
            current.stopped = true
            // Under the lock, so that no descriptor here is closed yet: a connection's thread
            // leaves the set before closing its socket, and the accept thread closes the listening
            // socket only after it has seen `stopped`. That keeps a reused descriptor number safe.
            current.connections.forEach { _ = Glibc.shutdown($0, CInt(SHUT_RDWR)) }
            _ = Glibc.shutdown(fd, CInt(SHUT_RDWR))
        }
    }

    // MARK: - Serving

    private func acceptConnections() {
        defer { _ = Glibc.close(fd) }
        while true {
            let client = Glibc.accept(fd, nil, nil)
            guard client >= 0 else {
                let failure = errno
                if state.withLock({ $0.stopped }) { return }
                // EMFILE and the like pass; keep serving rather than spin.
                if failure != EINTR && failure != ECONNABORTED { usleep(10_000) }
                continue
            }
            let admitted = state.withLock { (current) -> Bool in
                guard !current.stopped else { return false }
                current.connections.insert(client)
                return true
            }
            guard admitted else {
                _ = Glibc.close(client)
                return
            }
            Thread { [self] in serve(client) }.start()
        }
    }

    private func serve(_ client: Int32) {
        defer {
            state.withLock { _ = $0.connections.remove(client) }
            _ = Glibc.close(client)
        }
        Session(server: self, fd: client).run()
    }

    /// Counts the attempt, waits out a pause, then picks the answer and stores the message if it is
    /// a 2xx. Nil when the server stopped during the pause: the client then gets no answer.
    private func deliver(_ message: Message, tooLarge: Bool) -> Reply? {
        state.withLock { $0.deliveryAttempts += 1 }
        guard waitWhilePaused() else { return nil }
        return state.withLock { (current) -> Reply in
            if tooLarge { return Reply(code: 552, message: "message exceeds fixed maximum message size") }
            var reply = Reply(code: 250, message: "OK: queued")
            if !current.deliveryReplies.isEmpty {
                reply = current.deliveryReplies[0].reply
                current.deliveryReplies[0].remaining -= 1
                if current.deliveryReplies[0].remaining == 0 { current.deliveryReplies.removeFirst() }
            }
            if (200..<300).contains(reply.code) { current.messages.append(message) }
            return reply
        }
    }

    /// False when the server stopped. Polls: a held delivery is rare and short, and polling needs
    /// no condition variable shared with `shutdown()`.
    private func waitWhilePaused() -> Bool {
        var waiting = false
        while true {
            let outcome = state.withLock { (current) -> Bool? in
                if current.stopped || !current.paused {
                    if waiting { current.pausedDeliveries -= 1 }
                    return !current.stopped
                }
                if !waiting { current.pausedDeliveries += 1 }
                return nil
            }
            if let outcome { return outcome }
            waiting = true
            usleep(10_000)
        }
    }

    /// One SMTP dialogue; lives on, and only on, its connection's thread.
    private final class Session {
        let server: FakeSMTPServer
        let fd: Int32
        var reader: LineReader
        var login: Login?
        var sender: String?
        var recipients: [String] = []

        init(server: FakeSMTPServer, fd: Int32) {
            self.server = server
            self.fd = fd
            self.reader = LineReader(fd: fd)
        }

        func run() {
            guard send("220 fake.smtp ESMTP") else { return }
            while let line = reader.next() {
                guard handle(String(decoding: line, as: UTF8.self)) else { return }
            }
        }

        /// False once the session is over.
        private func handle(_ line: String) -> Bool {
            let word = line.prefix { $0 != " " }
            let argument = line[word.endIndex...].trimmingCharacters(in: .whitespaces)
            switch word.uppercased() {
            case "EHLO":
                resetEnvelope()
                return send("250-fake.smtp", "250-AUTH PLAIN LOGIN", "250 8BITMIME")
            case "HELO":
                resetEnvelope()
                return send("250 fake.smtp")
            case "AUTH": return authenticate(argument)
            case "MAIL": return mail(argument)
            case "RCPT": return recipient(argument)
            case "DATA": return data()
            case "RSET":
                resetEnvelope()
                return send("250 OK")
            case "NOOP": return send("250 OK")
            case "QUIT":
                _ = send("221 fake.smtp closing connection")
                return false
            default: return send("500 command not recognized")
            }
        }

        private func resetEnvelope() {
            sender = nil
            recipients = []
        }

        private func authenticate(_ argument: String) -> Bool {
            guard login == nil else { return send("503 already authenticated") }
            let words = argument.split(separator: " ").map(String.init)
            guard let mechanism = words.first?.uppercased() else { return send("501 mechanism required") }
            let initial = words.count > 1 ? words[1] : nil
            let credentials: Login
            switch mechanism {
            case "PLAIN":
                guard let response = initial ?? challenge("334 ") else { return false }
                if response == "*" { return send("501 authentication cancelled") }
                // authzid NUL authcid NUL password
                let fields = Data(base64Encoded: response).map { Array($0).split(separator: 0, omittingEmptySubsequences: false) }
                guard let fields, fields.count == 3 else { return send("501 malformed AUTH PLAIN response") }
                credentials = Login(
                    username: String(decoding: fields[1], as: UTF8.self),
                    password: String(decoding: fields[2], as: UTF8.self)
                )
            case "LOGIN":
                guard let encodedUser = initial ?? challenge("334 VXNlcm5hbWU6") else { return false }
                if encodedUser == "*" { return send("501 authentication cancelled") }
                guard let encodedPassword = challenge("334 UGFzc3dvcmQ6") else { return false }
                if encodedPassword == "*" { return send("501 authentication cancelled") }
                guard let user = Data(base64Encoded: encodedUser), let password = Data(base64Encoded: encodedPassword) else {
                    return send("501 malformed AUTH LOGIN response")
                }
                credentials = Login(username: String(decoding: user, as: UTF8.self), password: String(decoding: password, as: UTF8.self))
            default:
                return send("504 unrecognized authentication type")
            }
            if let required = server.state.withLock({ $0.requiredLogin }), required != credentials {
                return send("535 5.7.8 authentication credentials invalid")
            }
            login = credentials
            server.state.withLock { $0.logins.append(credentials) }
            return send("235 2.7.0 authentication successful")
        }

        /// Sends a 334 and reads the client's answer; nil when the client went away.
        private func challenge(_ prompt: String) -> String? {
            guard send(prompt), let line = reader.next() else { return nil }
            return String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespaces)
        }

        private func mail(_ argument: String) -> Bool {
            guard let address = Self.address(in: argument, after: "FROM:") else { return send("501 syntax: MAIL FROM:<address>") }
            guard sender == nil else { return send("503 nested MAIL command") }
            if login == nil && server.state.withLock({ $0.requiredLogin != nil }) {
                return send("530 5.7.0 authentication required")
            }
            sender = address
            recipients = []
            return send("250 OK")
        }

        private func recipient(_ argument: String) -> Bool {
            guard sender != nil else { return send("503 need MAIL before RCPT") }
            guard let address = Self.address(in: argument, after: "TO:"), !address.isEmpty else {
                return send("501 syntax: RCPT TO:<address>")
            }
            if let rejection = server.state.withLock({ $0.rejected[address.lowercased()] }) {
                return send(rejection.line)
            }
            recipients.append(address)
            return send("250 OK")
        }

        private func data() -> Bool {
            guard let sender else { return send("503 need MAIL command") }
            guard !recipients.isEmpty else { return send("554 no valid recipients") }
            guard send("354 end data with <CR><LF>.<CR><LF>") else { return false }
            var text: [UInt8] = []
            var tooLarge = false
            while true {
                guard var line = reader.next() else { return false }
                if line == [0x2E] { break }
                // Dot-stuffing (RFC 5321 4.5.2): a leading dot was doubled by the client.
                if line.first == 0x2E { line.removeFirst() }
                guard !tooLarge else { continue }
                if text.count + line.count + 2 > FakeSMTPServer.maximumMessageSize {
                    tooLarge = true
                    text = []
                } else {
                    text.append(contentsOf: line)
                    text.append(contentsOf: [0x0D, 0x0A])
                }
            }
            let message = Message(
                from: sender,
                recipients: recipients,
                data: String(decoding: text, as: UTF8.self),
                username: login?.username
            )
            resetEnvelope()
            guard let reply = server.deliver(message, tooLarge: tooLarge) else { return false }
            return send(reply.line)
        }

        /// The address of `FROM:<a> PARAM=x` or `TO:<a>`, with or without the brackets.
        private static func address(in argument: String, after keyword: String) -> String? {
            guard argument.uppercased().hasPrefix(keyword) else { return nil }
            let rest = argument.dropFirst(keyword.count).drop { $0 == " " }
            if rest.first == "<" {
                guard let close = rest.firstIndex(of: ">") else { return nil }
                return String(rest[rest.index(after: rest.startIndex)..<close])
            }
            let bare = rest.prefix { $0 != " " }
            return bare.isEmpty ? nil : String(bare)
        }

        /// Writes reply lines with CRLF; false when the client is gone. MSG_NOSIGNAL: a client
        /// killed mid-send must not take the test process down with SIGPIPE.
        private func send(_ lines: String...) -> Bool {
            let bytes = Array(lines.map { $0 + "\r\n" }.joined().utf8)
            var offset = 0
            while offset < bytes.count {
                let sent = bytes.withUnsafeBytes {
                    Glibc.send(fd, $0.baseAddress!.advanced(by: offset), $0.count - offset, CInt(MSG_NOSIGNAL))
                }
                if sent < 0 && errno == EINTR { continue }
                guard sent > 0 else { return false }
                offset += sent
            }
            return true
        }
    }

    /// Reads lines ending in CRLF or a bare LF from a blocking socket.
    private struct LineReader {
        let fd: Int32
        private var buffer: [UInt8] = []
        private var start = 0
        /// Where the search for the next LF resumes, so that a long line is scanned once.
        private var scanned = 0
        private var chunk = [UInt8](repeating: 0, count: 65_536)

        init(fd: Int32) {
            self.fd = fd
        }

        /// The next line without its line end; nil when the peer closed, the socket was shut
        /// down, or one line outgrew any acceptable message.
        mutating func next() -> [UInt8]? {
            while true {
                if let newline = buffer[scanned...].firstIndex(of: 0x0A) {
                    let end = newline > start && buffer[newline - 1] == 0x0D ? newline - 1 : newline
                    let line = Array(buffer[start..<end])
                    start = newline + 1
                    scanned = start
                    return line
                }
                guard buffer.count - start <= FakeSMTPServer.maximumMessageSize + chunk.count else { return nil }
                if start > 0 {
                    buffer.removeFirst(start)
                    start = 0
                }
                scanned = buffer.count
                let fd = self.fd  // the closure must not capture self while chunk is borrowed mutably
                let received = chunk.withUnsafeMutableBytes { Glibc.recv(fd, $0.baseAddress, $0.count, 0) }
                if received < 0 && errno == EINTR { continue }
                guard received > 0 else { return nil }
                buffer.append(contentsOf: chunk[..<received])
            }
        }
    }
}
