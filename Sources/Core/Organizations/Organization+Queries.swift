import Foundation
import Logging
import PostgresNIO

extension Organization {
    static let columns = "id, name, slug, \(PremiumGate.organizationColumns), created_at, require_two_factor"

    /// Creates an organization with a unique slug derived from its name.
    static func insert(name: String, trialEndsAt: Date?, on connection: PostgresConnection, logger: Logger) async throws -> Organization {
        let base = slug(for: name)
        for attempt in 0..<8 {
            let candidate = attempt == 0 ? base : base + "-" + String(SecretToken.digest(UUID().uuidString).prefix(6))
            let rows = try await connection.query(
                """
                INSERT INTO organizations (name, slug, trial_ends_at) VALUES (\(name), \(candidate), \(trialEndsAt))
                ON CONFLICT (slug) DO NOTHING
                RETURNING \(unescaped: columns)
                """,
                logger: logger
            )
            if let organization = try await decodeFirst(rows) { return organization }
        }
        throw IdentityError.rejected("Could not allocate a unique organization slug; try another name.")
    }

    /// Locks the organization's row until the transaction ends: per-organization rules that count
    /// rows (the last admins of an organization) take it so concurrent requests count one at a time.
    static func lock(_ id: UUID, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("SELECT 1 FROM organizations WHERE id = \(id) FOR UPDATE", logger: logger)
    }

    static func rename(_ id: UUID, to name: String, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("UPDATE organizations SET name = \(name) WHERE id = \(id)", logger: logger)
    }

    static func setRequireTwoFactor(_ id: UUID, to required: Bool, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("UPDATE organizations SET require_two_factor = \(required) WHERE id = \(id)", logger: logger)
    }

    static func find(id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> Organization? {
        let rows = try await connection.query(
            "SELECT \(unescaped: columns) FROM organizations WHERE id = \(id)",
            logger: logger
        )
        return try await decodeFirst(rows)
    }

    static func decodeFirst(_ rows: PostgresRowSequence) async throws -> Organization? {
        for try await (id, name, slug, status, trialEnds, created, requireTwoFactor) in rows.decode(
            (UUID, String, String, String, Date?, Date, Bool).self
        ) {
            return Organization(
                id: id,
                name: name,
                slug: slug,
                subscriptionStatus: SubscriptionStatus(rawValue: status),
                trialEndsAt: trialEnds,
                createdAt: created,
                requireTwoFactor: requireTwoFactor
            )
        }
        return nil
    }

    /// "Müller & Søn 株式会社" → "muller-son"; names with no Latin letters or digits become "org".
    static func slug(for name: String) -> String {
        var folded = name.folding(options: [.diacriticInsensitive, .caseInsensitive, .widthInsensitive], locale: nil).lowercased()
        // Letters that are not an accent on a base letter, so folding leaves them alone.
        for (letter, spelling) in Self.transliterations { folded = folded.replacingOccurrences(of: letter, with: spelling) }
        var slug = ""
        for scalar in folded.unicodeScalars {
            if scalar.isASCII && (CharacterSet.lowercaseLetters.contains(scalar) || CharacterSet.decimalDigits.contains(scalar)) {
                slug.unicodeScalars.append(scalar)
            } else if !slug.isEmpty && !slug.hasSuffix("-") {
                slug += "-"
            }
        }
        while slug.hasSuffix("-") { slug.removeLast() }
        slug = String(slug.prefix(50))
        while slug.hasSuffix("-") { slug.removeLast() }
        return slug.isEmpty ? "org" : slug
    }

    static let transliterations: KeyValuePairs<String, String> = [
        "ø": "o", "æ": "ae", "œ": "oe", "ß": "ss", "đ": "d", "ð": "d", "ł": "l", "þ": "th", "ı": "i",
    ]
}
