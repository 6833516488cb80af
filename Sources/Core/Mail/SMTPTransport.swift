import CCurl
import Foundation
import NIOPosix

/// Sends mail through libcurl's SMTP client, which speaks STARTTLS, SMTPS and AUTH and is kept by
/// people who follow every mail server's quirks; writing an SMTP client here would repeat that work
/// badly. `curl_easy_perform` blocks, so every send runs on the transport's own threads, never on
/// Swift's cooperative pool (as the Redis client does).
public final class SMTPTransport: MailTransport {
    let server: MailSettings.SMTPServer
    let timeout: Duration
    private let threads: NIOThreadPool

    /// `curl_global_init` is not thread-safe: it runs once, before any transport exists.
    private static let initialized: Bool = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK

    public init(server: MailSettings.SMTPServer, timeout: Duration, threads count: Int = 2) {
        _ = Self.initialized
        self.server = server
        self.timeout = timeout
        self.threads = NIOThreadPool(numberOfThreads: count)
        self.threads.start()
    }

    deinit {
        threads.shutdownGracefully { _ in }
    }

    public func send(_ message: MailMessage) async throws(MailDeliveryError) {
        let outcome: Result<Void, MailDeliveryError>
        do {
            outcome = try await threads.runIfActive { [server, timeout] in
                Self.perform(message, server: server, timeout: timeout)
            }
        } catch {
            throw .transient("the mail threads are stopped: \(error)")
        }
        try outcome.get()
    }

    /// One SMTP session: connect, (STARTTLS,) (AUTH,) MAIL FROM, RCPT TO, DATA, QUIT.
    private static func perform(_ message: MailMessage, server: MailSettings.SMTPServer, timeout: Duration) -> Result<
        Void, MailDeliveryError
    > {
        guard let handle = curl_easy_init() else { return .failure(.transient("libcurl could not start a session")) }
        defer { curl_easy_cleanup(handle) }
        let body = UploadBody(Array(message.rendered()))
        let recipients = curl_slist_append(nil, "<\(message.to.address)>")
        defer { curl_slist_free_all(recipients) }
        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)

        let milliseconds = Int(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        var code = CURLE_OK
        func set(_ result: CURLcode) { if code == CURLE_OK { code = result } }
        let performed: CURLcode = errorBuffer.withUnsafeMutableBufferPointer { errors in
            set(am_curl_setopt_string(handle, CURLOPT_URL, server.url))
            set(am_curl_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "smtp,smtps"))
            if let username = server.username { set(am_curl_setopt_string(handle, CURLOPT_USERNAME, username)) }
            if let password = server.password { set(am_curl_setopt_string(handle, CURLOPT_PASSWORD, password)) }
            if server.requiresTLS { set(am_curl_setopt_long(handle, CURLOPT_USE_SSL, Int(CURLUSESSL_ALL.rawValue))) }
            set(am_curl_setopt_string(handle, CURLOPT_MAIL_FROM, "<\(message.from.address)>"))
            set(am_curl_setopt_pointer(handle, CURLOPT_MAIL_RCPT, UnsafeMutableRawPointer(recipients)))
            set(am_curl_setopt_long(handle, CURLOPT_UPLOAD, 1))
            set(am_curl_setopt_read_function(handle, uploadChunk))
            set(am_curl_setopt_pointer(handle, CURLOPT_READDATA, Unmanaged.passUnretained(body).toOpaque()))
            set(am_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, milliseconds))
            set(am_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, min(milliseconds, 10_000)))
            // Signals would reach whichever thread libcurl runs on; timeouts work without them.
            set(am_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1))
            set(am_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, UnsafeMutableRawPointer(errors.baseAddress)))
            guard code == CURLE_OK else { return code }
            return curl_easy_perform(handle)
        }
        withExtendedLifetime(body) {}
        guard performed != CURLE_OK else { return .success(()) }

        var reply = 0
        _ = am_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &reply)
        let buffered = String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let detail = buffered.isEmpty ? String(cString: curl_easy_strerror(performed)) : buffered
        let reason = reply > 0 ? "\(reply): \(detail)" : detail
        // A refused login is the operator's to fix (SMTP_URL), not this message's fault: retried.
        if (500..<600).contains(reply) && performed != CURLE_LOGIN_DENIED { return .failure(.permanent(reason)) }
        return .failure(.transient(reason))
    }
}

/// The message bytes libcurl reads while it sends `DATA` (it does the dot-stuffing itself).
private final class UploadBody {
    let bytes: [UInt8]
    var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }
}

/// libcurl's read callback: copies the next bytes of the `UploadBody` behind `context`.
private func uploadChunk(_ buffer: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ context: UnsafeMutableRawPointer?) -> Int {
    guard let buffer, let context else { return 0 }
    let body = Unmanaged<UploadBody>.fromOpaque(context).takeUnretainedValue()
    let length = min(size * count, body.bytes.count - body.offset)
    guard length > 0 else { return 0 }
    body.bytes.withUnsafeBufferPointer { source in
        UnsafeMutableRawPointer(buffer).copyMemory(from: source.baseAddress! + body.offset, byteCount: length)
    }
    body.offset += length
    return length
}
