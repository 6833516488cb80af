extension KeyedDecodingContainer {
    /// The value at `key`, or nil when it is absent, null or of another type. Stripe's objects are
    /// read field by field this way: an expanded object where an id was expected, or a field Stripe
    /// changes later, leaves that one field unknown instead of refusing the whole event.
    func lenient<Value: Decodable>(_ type: Value.Type, forKey key: Key) -> Value? {
        (try? decodeIfPresent(type, forKey: key)) ?? nil
    }
}

/// A JSON object's string values by key; values of other types are left out (Stripe's `metadata`
/// only holds strings, but nothing here trusts that).
struct StringValues: Decodable, Sendable {
    let values: [String: String]

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: AnyKey.self)
        var values: [String: String] = [:]
        for key in container.allKeys {
            if let value = container.lenient(String.self, forKey: key) { values[key.stringValue] = value }
        }
        self.values = values
    }

    subscript(key: String) -> String? { values[key] }
}

/// Any key of a JSON object.
struct AnyKey: CodingKey {
    let stringValue: String
    let intValue: Int? = nil

    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
