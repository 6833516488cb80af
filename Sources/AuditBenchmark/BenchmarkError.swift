/// Why a benchmark run stopped: a step that could not be measured, with what is known about it.
struct BenchmarkError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
