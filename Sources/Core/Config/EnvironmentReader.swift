import Foundation

/// Typed access to an environment dictionary. Every accessor names the variable in its error, and
/// an empty value counts as unset so that `FOO=` in an env file falls back to the default.
struct EnvironmentReader {
    let values: [String: String]
    /// Collects every name asked for, so the variables `AppConfig` reads can be listed from the code.
    var consulted: ConsultedNames?

    func string(_ name: String) -> String? {
        consulted?.names.insert(name)
        guard let raw = values[name]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
        return raw
    }

    func string(_ name: String, default fallback: String) -> String {
        string(name) ?? fallback
    }

    func list(_ name: String, default fallback: [String] = []) -> [String] {
        guard let raw = string(name) else { return fallback }
        return raw.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    func integer(_ name: String, default fallback: Int, in range: ClosedRange<Int>) throws(ConfigError) -> Int {
        guard let raw = string(name) else { return fallback }
        guard let value = Int(raw), range.contains(value) else {
            throw ConfigError(name, "must be an integer from \(range.lowerBound) to \(range.upperBound), got \"\(raw)\"")
        }
        return value
    }

    func choice<Value: RawRepresentable & CaseIterable>(
        _ name: String,
        default fallback: Value
    ) throws(ConfigError) -> Value where Value.RawValue == String {
        guard let raw = string(name) else { return fallback }
        guard let value = Value(rawValue: raw.lowercased()) else {
            let allowed = Value.allCases.map(\.rawValue).joined(separator: ", ")
            throw ConfigError(name, "must be one of \(allowed), got \"\(raw)\"")
        }
        return value
    }
}

/// The names an `EnvironmentReader` was asked for. Only used while listing variables, on one thread.
final class ConsultedNames {
    var names: Set<String> = []
}
