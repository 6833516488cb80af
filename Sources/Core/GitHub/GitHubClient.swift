import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Synchronization

/// GitHub's REST API, used correctly and frugally by the API and the worker alike:
///
/// - every request carries GitHub's media type, the pinned API version and a User-Agent;
/// - every request goes through the outbound guard (`OutboundHTTPClient`): tenant-supplied hosts
///   must resolve to addresses the policy allows, redirects stay within the base URL's origin, and
///   answers larger than `maxResponseBytes` are refused;
/// - lists are read by following `Link: rel="next"`, 100 items a page, only within the base URL
///   and for at most `maxPages` pages;
/// - GETs revalidate with the ETag of the last answer (shared cache; 304s are free);
/// - the primary rate limit is respected before it runs out: callers get `rateLimited` with the
///   reset time and can come back then instead of holding a worker slot; once GitHub says it is
///   spent, no further call for that credential leaves this process until the reset;
/// - secondary limits are waited out as GitHub asks (never longer than `maxWait`), then with
///   exponential backoff;
/// - 5xx answers and connection failures are retried a few times;
/// - each credential has at most `concurrencyPerCredential` requests in flight in this process.
public final class GitHubClient: Sendable {
    public static let apiVersion = "2022-11-28"
    public static let userAgent = "AuditMate/1.0"
    static let transientAttempts = 3
    static let secondaryAttempts = 3
    /// How errors name the other side to tenants.
    static let peer = "the GitHub host"

    let settings: GitHubSettings
    let logger: Logger
    private let outbound: OutboundHTTPClient
    private let policy: OutboundPolicy
    private let cache: GitHubResponseCache
    private let ledger: GitHubRateLimitLedger
    private let limiters = Mutex<[String: AsyncSemaphore]>([:])
    /// Credentials whose primary limit GitHub said is spent, until when: checked right before each
    /// call leaves, so calls queued behind the concurrency limit do not go out after a 403.
    private let spent = Mutex<[String: Date]>([:])

    public init(settings: GitHubSettings, redis: RedisClient, logger: Logger, outbound: OutboundHTTPClient = .shared) {
        self.settings = settings
        self.logger = logger
        self.outbound = outbound
        self.policy = settings.outboundPolicy
        self.cache = GitHubResponseCache(redis: redis, logger: logger)
        self.ledger = GitHubRateLimitLedger(redis: redis, reserve: settings.rateLimitReserve, maxWait: settings.maxWait, logger: logger)
    }

    /// GET `path` (relative to the credential's base URL, or an absolute URL from a `Link` header).
    /// Non-2xx answers are thrown as classified `GitHubError`s, which carry the answer.
    public func get(_ path: String, credential: GitHubCredential) async throws(GitHubError) -> GitHubResponse {
        let url = try absolute(path, credential)
        let response = try await send(.GET, url: url, credential: credential)
        guard (200..<300).contains(response.status) else { throw GitHubError.classify(response) }
        return response
    }

    /// Every page of a list, in order. `per_page=100` is added when the path has no `per_page`.
    public func getAllPages(_ path: String, credential: GitHubCredential) async throws(GitHubError) -> [GitHubResponse] {
        var next: String? = path.contains("per_page=") ? path : path + (path.contains("?") ? "&" : "?") + "per_page=100"
        var pages: [GitHubResponse] = []
        while let url = next {
            guard pages.count < settings.maxPages else {
                throw GitHubError(.tooLarge, message: "the listing has more than \(settings.maxPages) pages")
            }
            let page = try await get(url, credential: credential)
            pages.append(page)
            next = page.nextPage
            if let link = next, !Self.isWithin(link, base: credential.baseURL) {
                logger.warning("GitHub next-page link outside the base URL refused", metadata: ["link": "\(link)"])
                throw GitHubError(.refused, message: "GitHub's next-page link points outside the base URL")
            }
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

    /// POST `path` without a body (minting an installation token). Retried like a GET on 5xx:
    /// a second mint only makes a second token.
    func post(_ path: String, credential: GitHubCredential) async throws(GitHubError) -> GitHubResponse {
        let url = try absolute(path, credential)
        let response = try await send(.POST, url: url, credential: credential)
        guard (200..<300).contains(response.status) else { throw GitHubError.classify(response) }
        return response
    }

    /// POST a form, for OAuth endpoints on the web host (no ETag, no retries: codes are single-use).
    func postForm(_ url: String, fields: [String: String]) async throws(GitHubError) -> GitHubResponse {
        var request = OutboundRequest(url: url, method: .POST)
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: Self.userAgent)
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        let body = fields.sorted { $0.key < $1.key }.map { "\($0.key)=\(Self.formEncode($0.value))" }.joined(separator: "&")
        request.body = Array(body.utf8)
        return try await perform(request, base: url)
    }

    // MARK: - Sending

    private func send(_ method: HTTPMethod, url: String, credential: GitHubCredential) async throws(GitHubError) -> GitHubResponse {
        try checkSpent(credential)
        if let resetAt = await ledger.exhaustedUntil(credential) {
            throw GitHubError(.rateLimited, message: "Rate limit nearly spent; resets at \(resetAt.formatted(.iso8601))", retryAt: resetAt)
        }
        let cached = method == .GET ? await cache.load(url, credential) : nil
        var transientFailures = 0
        var secondaryWaits = 0
        while true {
            var request = OutboundRequest(url: url, method: method)
            request.headers.add(name: "Accept", value: "application/vnd.github+json")
            request.headers.add(name: "X-GitHub-Api-Version", value: Self.apiVersion)
            request.headers.add(name: "User-Agent", value: Self.userAgent)
            request.headers.add(name: "Authorization", value: "Bearer \(credential.token)")
            if let etag = cached?.header("etag") { request.headers.add(name: "If-None-Match", value: etag) }

            let response: GitHubResponse
            do throws(GitHubError) {
                response = try await limiter(for: credential).withPermit { () async throws(GitHubError) -> GitHubResponse in
                    // Checked again with the permit: GitHub may have said "spent" while this call waited.
                    try checkSpent(credential)
                    return try await perform(request, base: credential.baseURL)
                }
            } catch  where error.retryable && transientFailures + 1 < Self.transientAttempts {
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
            if let reset = primaryLimitReset(response) {
                spent.withLock { $0[credential.fingerprint] = reset }
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

    private func perform(_ request: OutboundRequest, base: String) async throws(GitHubError) -> GitHubResponse {
        guard let scope = Origin(base) else { throw GitHubError(.invalidBaseURL, message: "the base URL is not an http(s) URL") }
        let response: OutboundResponse
        do {
            response = try await outbound.execute(
                request,
                policy: policy,
                scope: scope,
                timeout: settings.timeout,
                maxBodyBytes: settings.maxResponseBytes,
                logger: logger
            )
        } catch {
            let message = error.message(peer: Self.peer)
            switch error {
            case .connectFailed, .timedOut: throw GitHubError(.unavailable, message: message)
            case .tlsFailed: throw GitHubError(.unavailable, message: message, retryable: false)
            case .tooLarge: throw GitHubError(.tooLarge, message: message)
            case .refused, .redirectedOutside, .tooManyRedirects: throw GitHubError(.refused, message: message)
            }
        }
        var headers: [String: String] = [:]
        for header in response.headers {
            let name = header.name.lowercased()
            headers[name] = headers[name].map { $0 + ", " + header.value } ?? header.value
        }
        return GitHubResponse(url: response.url, status: response.status, headers: headers, body: response.body)
    }

    private func checkSpent(_ credential: GitHubCredential) throws(GitHubError) {
        let now = Date.now
        let until = spent.withLock { spent -> Date? in
            guard let until = spent[credential.fingerprint] else { return nil }
            if until <= now {
                spent[credential.fingerprint] = nil
                return nil
            }
            return until
        }
        if let until {
            throw GitHubError(.rateLimited, message: "API rate limit exceeded; resets at \(until.formatted(.iso8601))", retryAt: until)
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

    /// `path` under the credential's base URL; an absolute URL (from a `Link` header) only when it
    /// stays within the base URL.
    private func absolute(_ path: String, _ credential: GitHubCredential) throws(GitHubError) -> String {
        guard path.hasPrefix("https://") || path.hasPrefix("http://") else {
            return credential.baseURL + (path.hasPrefix("/") ? path : "/" + path)
        }
        guard Self.isWithin(path, base: credential.baseURL) else {
            throw GitHubError(.refused, message: "the URL points outside the GitHub base URL")
        }
        return path
    }

    /// Same scheme, host and port as `base`, and a path under its path (`/api/v3/...` for GHES).
    static func isWithin(_ url: String, base: String) -> Bool {
        guard let origin = Origin(url), origin == Origin(base), let components = URLComponents(string: url),
            let baseComponents = URLComponents(string: base)
        else { return false }
        let prefix =
            baseComponents.percentEncodedPath.hasSuffix("/")
            ? baseComponents.percentEncodedPath : baseComponents.percentEncodedPath + "/"
        let path = components.percentEncodedPath
        return prefix == "/" || path.hasPrefix(prefix)
    }

    /// The reset time of an exhausted primary limit (403/429 with `x-ratelimit-remaining: 0`),
    /// never further than `maxWait` away whatever the header says.
    func primaryLimitReset(_ response: GitHubResponse, now: Date = .now) -> Date? {
        guard response.status == 403 || response.status == 429,
            response.header("x-ratelimit-remaining").flatMap({ OutsideValue.integer($0) }) == 0
        else { return nil }
        let latest = now.addingTimeInterval(settings.maxWait.seconds)
        guard let reset = response.header("x-ratelimit-reset").flatMap({ OutsideValue.epochSeconds($0) }) else {
            return min(now.addingTimeInterval(60), latest)
        }
        return min(max(reset, now), latest)
    }

    /// How long to wait after a secondary limit: `retry-after` as told, else at least the configured
    /// minute, doubling with each further hit, never longer than `maxWait`. Nil when the answer is
    /// not a secondary limit.
    func secondaryLimitWait(_ response: GitHubResponse, attempt: Int) -> Duration? {
        guard response.status == 403 || response.status == 429 else { return nil }
        let documentation = ((response.json() as? [String: Any])?["documentation_url"] as? String) ?? ""
        let secondary =
            response.header("retry-after") != nil || documentation.contains("secondary-rate-limits")
            || (response.message ?? "").lowercased().contains("secondary rate limit")
        guard secondary else { return nil }
        let cap = settings.maxWait.seconds
        let factor = Double(1 << min(max(attempt, 0), 16))
        let first =
            response.header("retry-after").flatMap({ OutsideValue.integer($0) }).map { Double(max(0, $0)) }
            ?? settings.secondaryLimitBackoff.seconds
        return .milliseconds(Int64(min(first * factor, cap) * 1000))
    }

    static func formEncode(_ value: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value
    }
}
