/// A configuration problem found at start-up. Its description is one line that names the variable,
/// so an operator can fix the deployment without reading a stack trace.
public struct ConfigError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The environment variable at fault.
    public let variable: String
    /// What is wrong with it, phrased for the operator.
    public let problem: String

    public init(_ variable: String, _ problem: String) {
        self.variable = variable
        self.problem = problem
    }

    public var description: String { "\(variable): \(problem)" }
}
