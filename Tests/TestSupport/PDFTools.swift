import Foundation

/// poppler-utils (`pdfinfo`, `pdftotext`, `pdffonts`), installed by the test command, run on PDF
/// bytes: what a reader of the PDF would see, without trusting the renderer's own account.
public struct PDFTools: Sendable {
    public let url: URL

    /// Writes `bytes` to a scratch file the tools read.
    public init(_ bytes: [UInt8]) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("auditmate-pdf-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        url = directory.appendingPathComponent("report.pdf")
        try Data(bytes).write(to: url)
    }

    public func remove() {
        try? FileManager.default.removeItem(at: url.deletingLastPathComponent())
    }

    /// `pdfinfo`'s fields, e.g. `Pages`, `Title`, `Page size`.
    public func info() async throws -> [String: String] {
        let output = try await Self.run("pdfinfo", [url.path])
        var fields: [String: String] = [:]
        for line in output.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[String(line[..<colon])] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return fields
    }

    public func pageCount() async throws -> Int {
        Int(try await info()["Pages"] ?? "") ?? 0
    }

    /// The text of the whole document, or of one page (1-based).
    public func text(page: Int? = nil) async throws -> String {
        var arguments = ["-enc", "UTF-8"]
        if let page { arguments += ["-f", String(page), "-l", String(page)] }
        return try await Self.run("pdftotext", arguments + [url.path, "-"])
    }

    /// The embedded font names, e.g. `ABCDEF+DejaVuSans`.
    public func fonts() async throws -> [String] {
        let output = try await Self.run("pdffonts", [url.path])
        return output.split(separator: "\n").dropFirst(2).compactMap { $0.split(separator: " ").first.map(String.init) }
    }

    /// Every word with its box in points (`pdftotext -bbox`), per page (1-based).
    public func words() async throws -> [(page: Int, text: String, xMin: Double, yMin: Double, xMax: Double, yMax: Double)] {
        let html = try await Self.run("pdftotext", ["-bbox", url.path, "-"])
        var result: [(page: Int, text: String, xMin: Double, yMin: Double, xMax: Double, yMax: Double)] = []
        var page = 0
        for line in html.split(separator: "\n") {
            if line.contains("<page ") {
                page += 1
                continue
            }
            guard line.contains("<word ") else { continue }
            func attribute(_ name: String) -> Double {
                guard let range = line.range(of: "\(name)=\"") else { return .nan }
                let rest = line[range.upperBound...]
                return Double(rest.prefix { $0 != "\"" }) ?? .nan
            }
            let text = line.split(separator: ">", maxSplits: 1).last.map { String($0.prefix { $0 != "<" }) } ?? ""
            result.append((page, text, attribute("xMin"), attribute("yMin"), attribute("xMax"), attribute("yMax")))
        }
        return result
    }

    static func run(_ tool: String, _ arguments: [String]) async throws -> String {
        let result = try await ChildProcess.run(
            URL(fileURLWithPath: "/usr/bin/\(tool)"),
            arguments: arguments,
            environment: ProcessInfo.processInfo.environment
        )
        guard result.status == 0 else { throw PDFToolError(description: "\(tool) exited \(result.status): \(result.stderr)") }
        return result.stdout
    }
}

public struct PDFToolError: Error, CustomStringConvertible {
    public let description: String
}
