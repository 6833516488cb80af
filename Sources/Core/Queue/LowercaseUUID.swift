import Foundation

/// A UUID task argument, encoded as Python's `str(uuid)` writes it: lowercase. Foundation's `UUID`
/// encodes uppercase, so without this a message from the Swift API would carry
/// `"6F1C..."` where a Python producer, the HTTP API and the database all show `"6f1c..."`, and a
/// Python consumer comparing ids as strings would miss. Decoding accepts either case (and kombu's
/// tagged `uuid` values, which `KombuJSON` has already turned into strings).
@propertyWrapper
public struct LowercaseUUID: Codable, Sendable, Hashable {
    public var wrappedValue: UUID

    public init(wrappedValue: UUID) {
        self.wrappedValue = wrappedValue
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let value = UUID(uuidString: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a UUID: \(text)")
        }
        wrappedValue = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(wrappedValue.apiString)
    }
}
