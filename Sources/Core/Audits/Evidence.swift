import Crypto
import Foundation

/// One check's verdict on one resource, with the raw GitHub answers it was decided from and a
/// SHA-256 over all of that, so that changing any stored field is detectable.
public struct Evidence: Sendable {
    public let id: Int
    public let checkID: String
    public let resource: String
    public let status: CheckStatus
    public let severity: Severity
    public let soc2: [String]
    public let iso27001: [String]
    public let sentence: String
    /// The answers as stored: `[{method, url, status, headers, body, revalidated}]` (JSON text).
    public let responses: String
    public let collectedAt: Date
    public let sha256: String
}

/// The canonical serialization evidence is hashed over, and the audit digest that chains the hashes.
public enum EvidenceHash {
    /// Response headers kept as evidence: caching, rate-limit and permission facts, request ids.
    static let keptHeaders: Set<String> = [
        "etag", "last-modified", "date", "link", "x-github-request-id", "x-ratelimit-limit", "x-ratelimit-remaining",
        "x-ratelimit-reset", "x-ratelimit-resource", "x-oauth-scopes", "x-accepted-oauth-scopes",
        "x-accepted-github-permissions", "x-github-sso", "github-authentication-token-expiration", "x-github-api-version-selected",
    ]

    /// The stored form of GitHub's answers: JSON text, keys sorted, bodies as text (base64 when a
    /// body is not UTF-8 text PostgreSQL can store).
    public static func responsesJSON(_ responses: [GitHubResponse]) -> String {
        let objects: [[String: Any]] = responses.map { response in
            let text = String(validating: response.body, as: UTF8.self)
            let body: String =
                if let text, !text.contains("\u{0}") { text } else { "base64:" + Data(response.body).base64EncodedString() }
            return [
                "method": "GET",
                "url": response.url,
                "status": response.status,
                "headers": response.headers.filter { keptHeaders.contains($0.key) },
                "body": body,
                "revalidated": response.revalidated,
            ]
        }
        return canonical(objects)
    }

    /// Evidence times are kept to the millisecond, which PostgreSQL stores exactly.
    public static func collectionTime(_ date: Date = .now) -> Date {
        Date(timeIntervalSince1970: (date.timeIntervalSince1970 * 1000).rounded(.down) / 1000)
    }

    /// SHA-256 (hex) of check, resource, status, sentence, responses and collection time.
    public static func hash(
        check: String,
        resource: String,
        status: CheckStatus,
        sentence: String,
        responsesJSON: String,
        collectedAt: Date
    ) -> String {
        let responses = (try? JSONSerialization.jsonObject(with: Data(responsesJSON.utf8), options: [.fragmentsAllowed])) ?? []
        let record: [String: Any] = [
            "check": check,
            "resource": resource,
            "status": status.rawValue,
            "sentence": sentence,
            "responses": responses,
            "collected_at": timestamp(collectedAt),
        ]
        return Hex.encode(SHA256.hash(data: Array(canonical(record).utf8)))
    }

    /// `2026-11-25T14:03:07.123Z`, from the time rounded to the millisecond. Rounding, not
    /// truncating: PostgreSQL keeps microseconds, and a time read back may sit a hair below the
    /// millisecond it was written as.
    static func timestamp(_ date: Date) -> String {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded())
        let (seconds, fraction) = milliseconds.quotientAndRemainder(dividingBy: 1000)
        let whole = Date(timeIntervalSince1970: TimeInterval(seconds)).formatted(Date.ISO8601FormatStyle())
        return String(whole.dropLast()) + "." + String(format: "%03d", fraction) + "Z"
    }

    /// The audit's digest: each evidence hash, in (check, resource) order, folded into a running
    /// SHA-256, so removing, adding or reordering rows changes it too.
    public static func digest(_ hashes: [(check: String, resource: String, sha256: String)]) -> String {
        let ordered = hashes.sorted { EvidenceHash.ordered(($0.check, $0.resource), ($1.check, $1.resource)) }
        var running = ""
        for entry in ordered {
            running = Hex.encode(SHA256.hash(data: Array((running + entry.sha256).utf8)))
        }
        return running.isEmpty ? Hex.encode(SHA256.hash(data: [UInt8]())) : running
    }

    static func canonical(_ value: Any) -> String {
        let data =
            (try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .withoutEscapingSlashes, .fragmentsAllowed]))
            ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}

extension EvidenceHash {
    /// Order by check, then resource, comparing Unicode scalars: the same in every process and locale.
    static func ordered(_ lhs: (String, String), _ rhs: (String, String)) -> Bool {
        lhs.0 != rhs.0
            ? lhs.0.unicodeScalars.lexicographicallyPrecedes(rhs.0.unicodeScalars)
            : lhs.1.unicodeScalars.lexicographicallyPrecedes(rhs.1.unicodeScalars)
    }
}
