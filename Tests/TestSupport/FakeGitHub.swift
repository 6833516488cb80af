import Core
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// A local HTTP server that behaves like GitHub's REST API and OAuth endpoints, as documented:
/// bearer authentication ("Bad credentials"), `Link` pagination, weak ETags with 304s that do not
/// count against the rate limit, `x-ratelimit-*` headers and exhaustion, secondary limits with
/// `retry-after`, SAML SSO refusals (`X-GitHub-SSO`), injected 502s, GitHub's error bodies, and
/// a GHES mode where the API lives under `/api/v3`. Tests describe the world it serves.
public final class FakeGitHub: Sendable {
    /// What the server knows and how it misbehaves; change it with `configure`.
    public struct World: Sendable {
        public struct Grant: Sendable {
            public var login: String
            public var userID: Int
            /// Classic scopes, sent in `X-OAuth-Scopes`.
            public var scopes: [String]
            /// An App installation token: `/user` is refused as for real ones.
            public var installation: Bool
            /// Organizations whose SAML SSO this token is not authorized for.
            public var ssoRequiredFor: Set<String>

            public init(
                login: String,
                userID: Int = 1000,
                scopes: [String] = ["repo", "read:org"],
                installation: Bool = false,
                ssoRequiredFor: Set<String> = []
            ) {
                self.login = login
                self.userID = userID
                self.scopes = scopes
                self.installation = installation
                self.ssoRequiredFor = ssoRequiredFor
            }
        }

        /// A canned answer for a path (and optionally a query), as GitHub would give it.
        public enum Resource: Sendable {
            /// 200 with this JSON (an array is paginated).
            case json(String)
            /// 204 with no body.
            case noContent
            /// An error answer with GitHub's body shape and extra headers.
            case error(status: Int, message: String, headers: [String: String])
            /// Exactly this answer, headers included (they win over the rate-limit headers): for
            /// redirects, hostile `Link` headers, oversized bodies.
            case raw(status: Int, headers: [String: String], body: String)
        }

        public struct PendingCode: Sendable {
            public let token: String
            public let scope: String
            public let codeChallenge: String
            public let redirectURI: String
        }

        public var grants: [String: Grant] = [:]
        /// Keyed by path (`/orgs/acme`) or path with query (`/orgs/acme/members?filter=2fa_disabled`).
        public var resources: [String: Resource] = [:]
        public var rateLimit = 5000
        public var rateRemaining = 5000
        public var rateReset = Int(Date.now.timeIntervalSince1970) + 3600
        /// The next N requests get a secondary rate limit (403 with `retry-after: 1`).
        public var secondaryLimits = 0
        /// The next N requests get a 502.
        public var badGateways = 0
        /// Added to every answer, as a distant GitHub would.
        public var latency: Duration = .zero
        public var clientID = "Iv1.fakeclient"
        public var clientSecret = "fake-client-secret"
        public var codes: [String: PendingCode] = [:]
        /// Set on every answer last, over everything else: a GitHub (or impostor) sending
        /// out-of-range `x-ratelimit-*` or `retry-after` values.
        public var headerOverrides: [String: String] = [:]
        /// The GitHub App AuditMate is registered as, when a test registers one (`FakeGitHub+App`).
        public var app: RegisteredApp?

        public init() {}

        /// Adds a JSON resource from any JSON-serialisable value.
        public mutating func set(_ path: String, json value: Any) {
            let data = try! JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed])
            resources[path] = .json(String(decoding: data, as: UTF8.self))
        }

        public mutating func fail(_ path: String, status: Int, message: String, headers: [String: String] = [:]) {
            resources[path] = .error(status: status, message: message, headers: headers)
        }
    }

    /// One request as the server saw it, and what it answered.
    public struct Seen: Sendable {
        public let method: String
        public let path: String
        public let query: String
        public let status: Int
        /// Request headers, names lower-cased.
        public let headers: [String: String]
    }

    public let enterprise: Bool
    let world: Mutex<World>
    private let seen = Mutex<[Seen]>([])
    private let task: Mutex<Task<Void, any Error>?> = Mutex(nil)
    private let boundPort = Atomic<Int>(0)

    public var port: Int { boundPort.load(ordering: .acquiring) }

    /// REST base as AuditMate is configured with it.
    public var apiURL: String { "http://127.0.0.1:\(port)" + (enterprise ? "/api/v3" : "") }
    /// Web base (OAuth endpoints).
    public var webURL: String { "http://127.0.0.1:\(port)" }

    public init(enterprise: Bool = false, world: World = World()) async throws {
        self.enterprise = enterprise
        self.world = Mutex(world)
        let started = AsyncStream<Int>.makeStream()
        let router = Router()
        for method in [HTTPRequest.Method.get, .post, .put, .patch, .delete] {
            router.on("**", method: method) { [self] request, _ -> Response in
                try await respond(request)
            }
        }
        var logger = Logger(label: "fake-github")
        logger.logLevel = .critical
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in started.continuation.yield(channel.localAddress?.port ?? 0) },
            logger: logger
        )
        let runner = Task {
            let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
            try await group.run()
        }
        var iterator = started.stream.makeAsyncIterator()
        boundPort.store(await iterator.next() ?? 0, ordering: .releasing)
        task.withLock { $0 = runner }
    }

    public func configure(_ body: (inout World) -> Void) {
        world.withLock { body(&$0) }
    }

    public var requests: [Seen] { seen.withLock { $0 } }

    /// Issues an authorization code as GitHub's consent screen would, for the PKCE challenge and
    /// redirect URI of an authorize URL; the code later exchanges for `token`.
    public func authorize(url authorizeURL: String, token: String, scope: String = "repo,read:org") -> (code: String, state: String) {
        let items = URLComponents(string: authorizeURL)?.queryItems ?? []
        func item(_ name: String) -> String { items.first { $0.name == name }?.value ?? "" }
        let code = "code-" + UUID().uuidString.lowercased()
        configure {
            $0.codes[code] = World.PendingCode(
                token: token,
                scope: scope,
                codeChallenge: item("code_challenge"),
                redirectURI: item("redirect_uri")
            )
        }
        return (code, item("state"))
    }

    public func shutdown() {
        task.withLock { $0?.cancel() }
    }

    // MARK: - Serving

    private func respond(_ request: Request) async throws -> Response {
        let latency = world.withLock { $0.latency }
        if latency > .zero { try await Task.sleep(for: latency) }
        var path = request.uri.path
        let query = request.uri.query ?? ""
        let body = try await request.body.collect(upTo: 1 << 20)
        let response: Response
        if path == "/login/oauth/access_token" && request.method == .post {
            response = exchange(form: String(buffer: body))
        } else if enterprise && !path.hasPrefix("/api/v3/") {
            response = Self.error(404, "Not Found")
        } else {
            if enterprise { path = String(path.dropFirst("/api/v3".count)) }
            if path.hasPrefix("/app/") {
                response = await appAPI(request, path: path)
            } else {
                response = api(request, path: path, query: query)
            }
        }
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName] = field.value }
        seen.withLock {
            $0.append(Seen(method: request.method.rawValue, path: path, query: query, status: Int(response.status.code), headers: headers))
        }
        return response
    }

    private func api(_ request: Request, path: String, query: String) -> Response {
        world.withLock { world -> Response in
            if world.badGateways > 0 {
                world.badGateways -= 1
                return Self.error(502, "Server Error")
            }
            let authorization = request.headers[.authorization] ?? ""
            let token = authorization.split(separator: " ", maxSplits: 1).last.map(String.init) ?? ""
            guard let grant = world.grants[token] else {
                return Self.error(401, "Bad credentials")
            }
            if world.rateRemaining <= 0 {
                return rateLimited(Self.error(403, "API rate limit exceeded for user ID \(grant.userID)."), world)
            }
            if world.secondaryLimits > 0 {
                world.secondaryLimits -= 1
                var response = Self.error(
                    403,
                    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
                    documentation: "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"
                )
                response.headers[HTTPField.Name("retry-after")!] = "1"
                return rateLimited(response, world)
            }
            let segments = path.split(separator: "/").map(String.init)
            if segments.count > 1, ["orgs", "repos"].contains(segments[0]), grant.ssoRequiredFor.contains(segments[1]) {
                let target = segments[1]
                var response = Self.error(
                    403,
                    "Resource protected by organization SAML enforcement. You must grant your Personal Access token access to this organization."
                )
                response.headers[HTTPField.Name("X-GitHub-SSO")!] =
                    "required; url=https://github.com/orgs/\(target)/sso?authorization_request=ABC"
                return rateLimited(response, world)
            }

            var answer: Response
            if path == "/user" {
                if grant.installation {
                    answer = Self.error(403, "Resource not accessible by integration")
                } else {
                    answer = Self.json(#"{"login":"\#(grant.login)","id":\#(grant.userID),"type":"User"}"#)
                    answer.headers[HTTPField.Name("X-OAuth-Scopes")!] = grant.scopes.joined(separator: ", ")
                }
            } else if let resource = Self.lookup(world.resources, path: path, query: query) {
                switch resource {
                case .json(let text): answer = page(text, request: request, path: path, query: query)
                case .noContent: answer = Response(status: .noContent)
                case .error(let status, let message, let headers):
                    answer = Self.error(status, message)
                    for (name, value) in headers { answer.headers[HTTPField.Name(name)!] = value }
                case .raw(let status, _, let body):
                    answer = Response(status: .init(code: status), body: .init(byteBuffer: ByteBuffer(string: body)))
                    answer.headers[.contentType] = "application/json; charset=utf-8"
                }
            } else {
                answer = Self.error(404, "Not Found")
            }

            if answer.status == .ok, let etag = answer.headers[.eTag], request.headers[.ifNoneMatch] == etag {
                // Conditional requests answered 304 are free.
                var notModified = Response(status: .notModified)
                notModified.headers[.eTag] = etag
                return rateLimited(notModified, world)
            }
            world.rateRemaining -= 1
            var final = rateLimited(answer, world)
            if case .raw(_, let headers, _)? = Self.lookup(world.resources, path: path, query: query) {
                for (name, value) in headers { final.headers[HTTPField.Name(name)!] = value }
            }
            return final
        }
    }

    /// The resource for a path, preferring an entry that names the query (paging parameters aside).
    private static func lookup(_ resources: [String: World.Resource], path: String, query: String) -> World.Resource? {
        let significant = query.split(separator: "&").filter { !$0.hasPrefix("page=") && !$0.hasPrefix("per_page=") }.sorted()
        if !significant.isEmpty, let exact = resources[path + "?" + significant.joined(separator: "&")] { return exact }
        return resources[path]
    }

    /// A JSON answer; arrays (and `{"total_count", "repositories"}` lists) are paginated with `Link`.
    private func page(_ text: String, request: Request, path: String, query: String) -> Response {
        let items = URLComponents(string: "?" + query)?.queryItems ?? []
        let perPage = min(100, max(1, items.first { $0.name == "per_page" }?.value.flatMap(Int.init) ?? 30))
        let pageNumber = max(1, items.first { $0.name == "page" }?.value.flatMap(Int.init) ?? 1)
        let parsed = try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
        var wrapper: [String: Any]?
        var list = parsed as? [Any]
        if list == nil, let object = parsed as? [String: Any], let repositories = object["repositories"] as? [Any] {
            wrapper = object
            list = repositories
        }
        guard let list else { return Self.json(text) }
        let lastPage = max(1, (list.count + perPage - 1) / perPage)
        let slice = Array(list.dropFirst((pageNumber - 1) * perPage).prefix(perPage))
        var payload: Any = slice
        if var wrapper {
            wrapper["repositories"] = slice
            wrapper["total_count"] = list.count
            payload = wrapper
        }
        let data = (try? JSONSerialization.data(withJSONObject: payload, options: [.sortedKeys])) ?? Data()
        var response = Self.json(String(decoding: data, as: UTF8.self))
        var links: [String] = []
        func link(_ page: Int, _ rel: String) -> String {
            var kept = items.filter { $0.name != "page" && $0.name != "per_page" }
            kept.append(URLQueryItem(name: "per_page", value: String(perPage)))
            kept.append(URLQueryItem(name: "page", value: String(page)))
            var components = URLComponents(string: apiURL + path)!
            components.queryItems = kept
            return "<\(components.string!)>; rel=\"\(rel)\""
        }
        if pageNumber < lastPage {
            links.append(link(pageNumber + 1, "next"))
            links.append(link(lastPage, "last"))
        }
        if pageNumber > 1 {
            links.append(link(1, "first"))
            links.append(link(pageNumber - 1, "prev"))
        }
        if !links.isEmpty { response.headers[HTTPField.Name("Link")!] = links.joined(separator: ", ") }
        return response
    }

    private func exchange(form: String) -> Response {
        let fields = FormDecoding.decode(form)
        return world.withLock { world -> Response in
            guard fields["client_id"] == world.clientID, fields["client_secret"] == world.clientSecret else {
                return Self.json(
                    #"{"error":"incorrect_client_credentials","error_description":"The client_id and/or client_secret passed are incorrect."}"#
                )
            }
            guard let code = fields["code"], let pending = world.codes.removeValue(forKey: code) else {
                return Self.json(#"{"error":"bad_verification_code","error_description":"The code passed is incorrect or expired."}"#)
            }
            let verifier = fields["code_verifier"] ?? ""
            let challenge = Base64URL.encode(SHA256.hash(data: Array(verifier.utf8)), padded: false)
            guard challenge == pending.codeChallenge, fields["redirect_uri"] == pending.redirectURI else {
                return Self.json(#"{"error":"bad_verification_code","error_description":"The code_verifier does not match."}"#)
            }
            return Self.json(#"{"access_token":"\#(pending.token)","token_type":"bearer","scope":"\#(pending.scope)"}"#)
        }
    }

    private func rateLimited(_ response: Response, _ world: World) -> Response {
        var response = response
        response.headers[HTTPField.Name("x-ratelimit-limit")!] = String(world.rateLimit)
        response.headers[HTTPField.Name("x-ratelimit-remaining")!] = String(max(0, world.rateRemaining))
        response.headers[HTTPField.Name("x-ratelimit-used")!] = String(world.rateLimit - max(0, world.rateRemaining))
        response.headers[HTTPField.Name("x-ratelimit-reset")!] = String(world.rateReset)
        response.headers[HTTPField.Name("x-ratelimit-resource")!] = "core"
        response.headers[HTTPField.Name("x-github-request-id")!] = UUID().uuidString
        for (name, value) in world.headerOverrides { response.headers[HTTPField.Name(name)!] = value }
        return response
    }

    static func json(_ text: String) -> Response {
        var response = Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: text)))
        response.headers[.contentType] = "application/json; charset=utf-8"
        response.headers[.eTag] = "W/\"" + Hex.encode(SHA256.hash(data: Array(text.utf8))).prefix(32) + "\""
        return response
    }

    static func error(_ status: Int, _ message: String, documentation: String = "https://docs.github.com/rest") -> Response {
        let body = try! JSONSerialization.data(
            withJSONObject: ["message": message, "documentation_url": documentation, "status": String(status)],
            options: [.sortedKeys]
        )
        var response = Response(status: .init(code: status), body: .init(byteBuffer: ByteBuffer(bytes: body)))
        response.headers[.contentType] = "application/json; charset=utf-8"
        return response
    }
}
