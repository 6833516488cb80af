import Crypto
import Foundation
import PostgresNIO

/// One check's verdict on one resource, with the raw GitHub answers it was decided from and a
/// SHA-256 over all of that, so that changing any stored field is detectable.
public struct Evidence: Sendable {
    public let id: Int
    public let checkID: String
    public let resource: String
    public let status: CheckStatus
    /// The status as stored; not one of `CheckStatus` only when the row was edited.
    public let storedStatus: String
    public let severity: Severity
    public let soc2: [String]
    public let iso27001: [String]
    public let sentence: String
    /// The answers as stored: `[{method, url, status, headers, body, revalidated}]` (JSON text);
    /// `[]` when a list left them out (`responsesOmitted`).
    public let responses: String
    /// Bytes of the stored answers (JSON text), whether or not they were read.
    public let responsesSize: Int
    /// How many answers are stored, whether or not they were read.
    public let responsesCount: Int
    /// The answers were too large for a list and were left out; the row alone has them.
    public let responsesOmitted: Bool
    public let collectedAt: Date
    public let sha256: String

    /// The stored answers of one row as large as this are left out of lists (and read one row at
    /// a time instead), so a page of evidence stays within a few megabytes however large the
    /// answers a tenant's GitHub sent.
    public static let listedResponsesLimit = 256 << 10

    /// How much of the stored answers a read takes.
    enum Answers: Sendable {
        /// All of them (one row's read, `verify`).
        case whole
        /// All of them, or none (`[]`) for a row whose answers exceed `bytes` (lists).
        case omittingOver(bytes: Int)
        /// None (diffs, scores): rows without their answers.
        case none
        /// The start of each of the first `answers` answers' bodies, as
        /// `[{method, url, status, body, length}]`, and sentences to `sentence` characters (reports):
        /// cut in SQL, so however large a stored body, only that much leaves the database.
        case excerpt(answers: Int, bodyCharacters: Int, sentenceCharacters: Int)
    }

    /// The columns `init(_:)` reads, taking `answers` of the stored answers.
    static func columns(_ answers: Answers) -> String {
        var sentence = "sentence"
        let responses: String
        switch answers {
        case .whole: responses = "responses::text"
        case .omittingOver(let bytes): responses = "CASE WHEN octet_length(responses::text) <= \(bytes) THEN responses::text ELSE '[]' END"
        case .none: responses = "'[]'"
        case .excerpt(let count, let bodyCharacters, let sentenceCharacters):
            sentence = "left(sentence, \(sentenceCharacters))"
            responses = """
                COALESCE((SELECT jsonb_agg(jsonb_build_object(
                              'method', COALESCE(r.value->>'method', 'GET'), 'url', left(r.value->>'url', 2000),
                              'status', COALESCE((r.value->>'status')::int, 0),
                              'body', left(COALESCE(r.value->>'body', ''), \(bodyCharacters)),
                              'length', length(COALESCE(r.value->>'body', ''))) ORDER BY r.ordinality)
                          FROM jsonb_array_elements(CASE jsonb_typeof(responses) WHEN 'array' THEN responses ELSE '[]' END)
                               WITH ORDINALITY r
                          WHERE r.ordinality <= \(count)), '[]')::text
                """
        }
        return """
            id, check_id, resource, status, severity, soc2, iso27001, \(sentence) AS sentence, \(responses) AS responses,
            octet_length(responses::text) AS responses_size,
            CASE jsonb_typeof(responses) WHEN 'array' THEN jsonb_array_length(responses) ELSE 0 END AS responses_count,
            collected_at, sha256
            """
    }

    /// One row selected with `columns`.
    init(_ columns: PostgresRandomAccessRow) throws {
        let stored = try columns["status"].decode(String.self)
        let responses = try columns["responses"].decode(String.self)
        let size = try columns["responses_size"].decode(Int.self)
        let count = try columns["responses_count"].decode(Int.self)
        self.init(
            id: try columns["id"].decode(Int.self),
            checkID: try columns["check_id"].decode(String.self),
            resource: try columns["resource"].decode(String.self),
            status: CheckStatus(rawValue: stored) ?? .error,
            storedStatus: stored,
            severity: Severity(rawValue: try columns["severity"].decode(String.self)) ?? .low,
            soc2: try columns["soc2"].decode([String].self),
            iso27001: try columns["iso27001"].decode([String].self),
            sentence: try columns["sentence"].decode(String.self),
            responses: responses,
            responsesSize: size,
            responsesCount: count,
            responsesOmitted: responses.utf8.count != size,
            collectedAt: try columns["collected_at"].decode(Date.self),
            sha256: try columns["sha256"].decode(String.self)
        )
    }

    init(
        id: Int,
        checkID: String,
        resource: String,
        status: CheckStatus,
        storedStatus: String,
        severity: Severity,
        soc2: [String],
        iso27001: [String],
        sentence: String,
        responses: String,
        responsesSize: Int,
        responsesCount: Int,
        responsesOmitted: Bool,
        collectedAt: Date,
        sha256: String
    ) {
        self.id = id
        self.checkID = checkID
        self.resource = resource
        self.status = status
        self.storedStatus = storedStatus
        self.severity = severity
        self.soc2 = soc2
        self.iso27001 = iso27001
        self.sentence = sentence
        self.responses = responses
        self.responsesSize = responsesSize
        self.responsesCount = responsesCount
        self.responsesOmitted = responsesOmitted
        self.collectedAt = collectedAt
        self.sha256 = sha256
    }
}

/// The canonical serialization evidence is hashed over, and the audit digest that chains the hashes.
public enum EvidenceHash {
    /// Response headers kept as evidence: caching, rate-limit and permission facts, request ids.
    static let keptHeaders: Set<String> = [
        "etag", "last-modified", "date", "link", "x-github-request-id", "x-ratelimit-limit", "x-ratelimit-remaining",
        "x-ratelimit-reset", "x-ratelimit-resource", "x-oauth-scopes", "x-accepted-oauth-scopes",
        "x-accepted-github-permissions", "x-github-sso", "github-authentication-token-expiration", "x-github-api-version-selected",
    ]

    /// The most body bytes one evidence row keeps, whatever `GITHUB_MAX_RESPONSE_BYTES` allows a
    /// single answer: a row must fit the API's response buffer when read alone.
    public static let largestRowBodies = 16 << 20

    /// The stored form of GitHub's answers: JSON text, keys sorted, bodies as text (base64 when a
    /// body is not UTF-8 text PostgreSQL can store).
    ///
    /// One row's answers are kept within `limit` bytes of bodies, so that no evidence row (and no
    /// read of one) can grow without bound, however many pages a tenant's GitHub sends: past it, the
    /// largest bodies are replaced by a line giving their size and SHA-256, which the row's hash
    /// then covers like any other text. The verdict was decided from the whole answers.
    public static func responsesJSON(_ responses: [GitHubResponse], limit: Int = .max) -> String {
        var bodies: [String] = responses.map { response in
            let text = String(validating: response.body, as: UTF8.self)
            if let text, !text.contains("\u{0}") { return text }
            return "base64:" + Data(response.body).base64EncodedString()
        }
        var total = bodies.reduce(0) { $0 + $1.utf8.count }
        var omitted = Set<Int>()
        while total > limit,
            let largest = bodies.indices.filter({ !omitted.contains($0) }).max(by: { bodies[$0].utf8.count < bodies[$1].utf8.count })
        {
            let body = responses[largest].body
            let summary =
                "omitted: \(body.count) bytes, sha256 \(Hex.encode(SHA256.hash(data: body))) (larger than the evidence kept per check)"
            total += summary.utf8.count - bodies[largest].utf8.count
            bodies[largest] = summary
            omitted.insert(largest)
        }
        let objects: [[String: Any]] = zip(responses, bodies).map { response, body in
            [
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
