import Crypto
import Foundation
import Logging

/// ETags and bodies of earlier 200 answers, per (credential, URL), in Redis so that every API and
/// worker process shares them: a rescan by any worker revalidates with `If-None-Match`, and GitHub's
/// 304s cost no rate limit. Bounded, since one tenant's answers must not fill the Redis that holds
/// everyone's queues: entries expire within a day, and bodies over 256 KiB are not kept.
struct GitHubResponseCache: Sendable {
    let redis: RedisClient
    let logger: Logger
    static let lifetime = 86_400
    static let largestBody = 256 << 10

    func key(_ url: String, _ credential: GitHubCredential) -> String {
        "github:etag:\(credential.fingerprint):" + Hex.encode(SHA256.hash(data: Array(url.utf8)))
    }

    func load(_ url: String, _ credential: GitHubCredential) async -> GitHubResponse? {
        do {
            guard let bytes = try await redis.send("GET", key(url, credential)).bytes else { return nil }
            return try JSONDecoder().decode(GitHubResponse.self, from: Data(bytes))
        } catch {
            logger.warning("GitHub response cache unavailable", metadata: ["error": "\(error)"])
            return nil
        }
    }

    func store(_ response: GitHubResponse, _ credential: GitHubCredential) async {
        guard response.header("etag") != nil, response.body.count <= Self.largestBody else { return }
        do {
            let encoded = try JSONEncoder().encode(response)
            try await redis.send(RedisCommand("SET", key(response.url, credential), Array(encoded), "EX", Self.lifetime))
        } catch {
            logger.warning("GitHub response cache unavailable", metadata: ["error": "\(error)"])
        }
    }
}
