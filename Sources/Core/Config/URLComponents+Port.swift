import Foundation

extension URLComponents {
    /// The URL's port, or `fallback` when it has none. URLComponents accepts any number as a port
    /// (a non-number already fails parsing), so the range is checked here.
    func checkedPort(default fallback: Int, variable: String) throws(ConfigError) -> Int {
        guard let port else { return fallback }
        guard (1...65535).contains(port) else {
            throw ConfigError(variable, "has port \(port), which is outside 1-65535")
        }
        return port
    }
}
