/// kombu's tagged JSON values (`kombu/utils/json.py`): Python types JSON lacks travel as
/// `{"__type__": T, "__value__": V}`. Inside task arguments they become plain JSON that Swift payloads
/// decode naturally: datetimes, dates, times and decimals become their ISO/decimal strings, UUIDs their
/// canonical string, bytes their text (`bytes`) or base64 (`base64`) form.
public enum KombuJSON {
    /// Replaces every tagged value inside `value`, at any depth.
    public static func untagged(_ value: JSONValue) -> JSONValue {
        switch value {
        case .array(let elements):
            return .array(elements.map(untagged))
        case .object(let members):
            if members.count == 2, let type = members["__type__"]?.string, let inner = members["__value__"] {
                return untag(type: type, value: inner) ?? .object(members.mapValues(untagged))
            }
            return .object(members.mapValues(untagged))
        default:
            return value
        }
    }

    private static func untag(type: String, value: JSONValue) -> JSONValue? {
        switch type {
        case "datetime", "date", "time", "decimal", "bytes", "base64":
            return value.string.map(JSONValue.string)
        case "uuid":
            guard let hex = value["hex"]?.string, hex.count == 32 else { return nil }
            let characters = Array(hex.lowercased())
            let groups = [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(characters[$0]) }
            return .string(groups.joined(separator: "-"))
        default:
            return nil
        }
    }
}
