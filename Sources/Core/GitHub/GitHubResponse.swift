import Foundation

/// One GitHub answer, kept whole: checks decide from it and store it as evidence.
public struct GitHubResponse: Sendable, Codable, Equatable {
    /// The full URL asked for, query included.
    public let url: String
    public let status: Int
    /// Header names lower-cased.
    public let headers: [String: String]
    public let body: [UInt8]
    /// True when GitHub answered 304 and this is the stored copy of the earlier 200.
    public var revalidated: Bool

    public init(url: String, status: Int, headers: [String: String], body: [UInt8], revalidated: Bool = false) {
        self.url = url
        self.status = status
        self.headers = headers
        self.body = body
        self.revalidated = revalidated
    }

    public func header(_ name: String) -> String? { headers[name.lowercased()] }

    /// The body as JSON (`[String: Any]`, `[Any]`, ...), or nil when it is not JSON.
    public func json() -> Any? {
        body.isEmpty ? nil : try? JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed])
    }

    public func decode<Value: Decodable>(_ type: Value.Type) throws -> Value {
        try JSONDecoder().decode(type, from: Data(body))
    }

    /// GitHub's `message` in an error body.
    public var message: String? { (json() as? [String: Any])?["message"] as? String }

    /// The `rel="next"` URL of the `Link` header, verbatim.
    public var nextPage: String? {
        guard let link = header("link") else { return nil }
        for part in link.split(separator: ",") {
            let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let target = pieces.first, target.hasPrefix("<"), target.hasSuffix(">") else { continue }
            if pieces.dropFirst().contains(where: { $0.replacingOccurrences(of: " ", with: "") == "rel=\"next\"" }) {
                return String(target.dropFirst().dropLast())
            }
        }
        return nil
    }
}
