import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Synchronization

/// GitHub's REST API, used correctly and frugally by the API and the worker alike:
///
/// - every request carries GitHub's media type, the pinned API version and a User-Agent;
/// - lists are read by following `Link: rel="next"` verbatim, 100 items a page;
/// - GETs revalidate with the ETag of the last answer (shared cache; 304s are free);
/// - the primary rate limit is respected before it runs out: callers get `rateLimited` with the
///   reset time and can come back then instead of holding a worker slot;
/// - secondary limits are waited out as GitHub asks, then with exponential backoff;
/// - 5xx answers and connection failures are retried a few times;
/// - each credential has at most `concurrencyPerCredential` requests in flight in this process.
public final class GitHubClient: Sendable {
    public static let apiVersion = "2022-11-28"
    public static let userAgent = "AuditMate/1.0"
    static let transientAttempts = 3
    static let secondaryAttempts = 3

    let settings: GitHubSettings
    let logger: Logger
    private let http: HTTPClient
    private let cache: GitHubResponseCache
    private let ledger: GitHubRateLimitLedger
    private let limiters = Mutex<[String: AsyncSemaphore]>([:])

    public init(settings: GitHubSettings, redis: RedisClient, logger: Logger, http: HTTPClient = .shared) {
        self.settings = settings
        self.logger = logger
        self.http = http
        self.cache = GitHubResponseCache(redis: redis, logger: logger)
        self.ledger = GitHubRateLimitLedger(redis: redis, reserve: settings.rateLimitReserve, logger: logger)
    }

    /// GET `path` (relative to the credential's base URL, or an absolute URL from a `Link` header).
    /// Non-2xx answers are thrown as classified `GitHubError`s, which carry the answer.
    public func get(_ path: String, credential: GitHubCredential) async throws(GitHubError) -> GitHubResponse {
        let url = absolute(path, credential)
        let response = try await send(.GET, url: url, credential: credential)
        guard (200..<300).contains(response.status) else { throw GitHubError.classify(response) }
        return response
    }

    /// Every page of a list, in order. `per_page=100` is added when the path has no `per_page`.
    public func getAllPages(_ path: String, credential: GitHubCredential) async throws(GitHubError) -> [GitHubResponse] {
        var next: String? = path.contains("per_page=") ? path : path + (path.contains("?") ? "&" : "?") + "per_page=100"
        var pages: [GitHubResponse] = []
        while let url = next {
            let page = try await get(url, credential: credential)
            pages.append(page)
            next = page.nextPage
            if pages.count >= 1000 { break }  // 100,000 items: far past any real organization
        }
        return pages
    }

    /// The JSON arrays of every page, concatenated. Endpoints that wrap their list in an object
    /// (`{"total_count": …, "repositories": […]}`) name the key.
    public func getAll(_ path: String, credential: GitHubCredential, key: String? = nil) async throws(GitHubError) -> [[String: Any]] {
        var items: [[String: Any]] = []
        for page in try await getAllPages(path, credential: credential) {
            let json = page.json()
            let list = key.map { (json as? [String: Any])?[$0] } ?? json
            items.append(contentsOf: list as? [[String: Any]] ?? [])
        }
        return items
    }

    /// POST a form, for OAuth endpoints on the web host (no ETag, no retries: codes are single-use).
    func postForm(_ url: String, fields: [String: String]) async throws(GitHubError) -> GitHubResponse {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: Self.userAgent)
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        let body = fields.sorted { $0.key < $1.key }.map { "\($0.key)=\(Self.formEncode($0.value))" }.joined(separator: "&")
        request.body = .bytes(ByteBuffer(string: body))
        return try await perform(request, url: url)
    }

    // MARK: - Sending

    private func send(_ method: HTTPMethod, url: String, credential: GitHubCredential) async throws(GitHubError) -> GitHubResponse {
        if let resetAt = await ledger.exhaustedUntil(credential) {
            throw GitHubError(.rateLimited, message: "Rate limit nearly spent; resets at \(resetAt.formatted(.iso8601))", retryAt: resetAt)
        }
        let cached = method == .GET ? await cache.load(url, credential) : nil
        var transientFailures = 0
        var secondaryWaits = 0
        while true {
            var request = HTTPClientRequest(url: url)
            request.method = method
            request.headers.add(name: "Accept", value: "application/vnd.github+json")
            request.headers.add(name: "X-GitHub-Api-Version", value: Self.apiVersion)
            request.headers.add(name: "User-Agent", value: Self.userAgent)
            request.headers.add(name: "Authorization", value: "Bearer \(credential.token)")
            if let etag = cached?.header("etag") { request.headers.add(name: "If-None-Match", value: etag) }

            let response: GitHubResponse
            do throws(GitHubError) {
                response = try await limiter(for: credential).withPermit { () async throws(GitHubError) -> GitHubResponse in
                    try await perform(request, url: url)
                }
            } catch  where error.kind == .unavailable && transientFailures + 1 < Self.transientAttempts {
                transientFailures += 1
                try? await Task.sleep(for: .milliseconds(200 << transientFailures))
                continue
            }
            await ledger.record(response, credential)

            if response.status == 304, var cached {
                cached.revalidated = true
                return cached
            }
            if (200..<300).contains(response.status) {
                if method == .GET && response.status == 200 { await cache.store(response, credential) }
                return response
            }
            if let reset = Self.primaryLimitReset(response) {
                throw GitHubError(.rateLimited, message: response.message ?? "API rate limit exceeded", response: response, retryAt: reset)
            }
            if let wait = secondaryLimitWait(response, attempt: secondaryWaits) {
                guard secondaryWaits + 1 < Self.secondaryAttempts else {
                    throw GitHubError(.secondaryRateLimited, message: response.message ?? "Secondary rate limit", response: response)
                }
                secondaryWaits += 1
                logger.warning(
                    "GitHub secondary rate limit; waiting",
                    metadata: ["seconds": "\(wait.components.seconds)", "url": "\(url)"]
                )
                try? await Task.sleep(for: wait)
                continue
            }
            if response.status >= 500 && transientFailures + 1 < Self.transientAttempts {
                transientFailures += 1
                try? await Task.sleep(for: .milliseconds(200 << transientFailures))
                continue
            }
            return response
        }
    }

    private func perform(_ request: HTTPClientRequest, url: String) async throws(GitHubError) -> GitHubResponse {
        do {
            let response = try await http.execute(request, timeout: .seconds(Int64(settings.timeout.components.seconds)))
            var headers: [String: String] = [:]
            for header in response.headers {
                let name = header.name.lowercased()
                headers[name] = headers[name].map { $0 + ", " + header.value } ?? header.value
            }
            let body = try await response.body.collect(upTo: 32 << 20)
            return GitHubResponse(url: url, status: Int(response.status.code), headers: headers, body: Array(buffer: body))
        } catch {
            throw GitHubError(.unavailable, message: "GitHub did not answer: \(error)")
        }
    }

    private func limiter(for credential: GitHubCredential) -> AsyncSemaphore {
        limiters.withLock { limiters in
            if let existing = limiters[credential.fingerprint] { return existing }
            let created = AsyncSemaphore(limit: settings.concurrencyPerCredential)
            limiters[credential.fingerprint] = created
            return created
        }
    }

    private func absolute(_ path: String, _ credential: GitHubCredential) -> String {
        if path.hasPrefix("https://") || path.hasPrefix("http://") { return path }
        return credential.baseURL + (path.hasPrefix("/") ? path : "/" + path)
    }

    /// The reset time of an exhausted primary limit (403/429 with `x-ratelimit-remaining: 0`).
    static func primaryLimitReset(_ response: GitHubResponse) -> Date? {
        guard response.status == 403 || response.status == 429, response.header("x-ratelimit-remaining") == "0" else { return nil }
        let reset = response.header("x-ratelimit-reset").flatMap(TimeInterval.init) ?? Date.now.timeIntervalSince1970 + 60
        return Date(timeIntervalSince1970: reset)
    }

    /// How long to wait after a secondary limit: `retry-after` as told, else at least the configured
    /// minute, doubling with each further hit. Nil when the answer is not a secondary limit.
    func secondaryLimitWait(_ response: GitHubResponse, attempt: Int) -> Duration? {
        guard response.status == 403 || response.status == 429 else { return nil }
        let documentation = ((response.json() as? [String: Any])?["documentation_url"] as? String) ?? ""
        let secondary =
            response.header("retry-after") != nil || documentation.contains("secondary-rate-limits")
            || (response.message ?? "").lowercased().contains("secondary rate limit")
        guard secondary else { return nil }
        if let seconds = response.header("retry-after").flatMap(Int.init) {
            return .seconds(max(0, seconds) * (1 << attempt))
        }
        return settings.secondaryLimitBackoff * (1 << attempt)
    }

    static func formEncode(_ value: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value
    }
}
