extension JSONValue {
    /// Compact JSON text. Object members are printed in key order so equal values print equally;
    /// non-finite doubles, which JSON cannot express, print as `null`.
    public var jsonText: String {
        var output = ""
        output.reserveCapacity(64)
        write(to: &output)
        return output
    }

    public var jsonBytes: [UInt8] { Array(jsonText.utf8) }

    func write(to output: inout String) {
        switch self {
        case .null: output += "null"
        case .bool(let value): output += value ? "true" : "false"
        case .int(let value): output += String(value)
        case .double(let value):
            if !value.isFinite {
                output += "null"
            } else if value.rounded() == value && abs(value) < 1e16 {
                // Keep the fraction so Python reads a float back, as it wrote one.
                output += String(Int(value)) + ".0"
            } else {
                output += "\(value)"
            }
        case .string(let value): Self.writeString(value, to: &output)
        case .array(let elements):
            output += "["
            for (position, element) in elements.enumerated() {
                if position > 0 { output += ", " }
                element.write(to: &output)
            }
            output += "]"
        case .object(let members):
            output += "{"
            for (position, key) in members.keys.sorted().enumerated() {
                if position > 0 { output += ", " }
                Self.writeString(key, to: &output)
                output += ": "
                members[key]!.write(to: &output)
            }
            output += "}"
        }
    }

    static func writeString(_ value: String, to output: inout String) {
        output += JSONText.quote(value)
    }
}
