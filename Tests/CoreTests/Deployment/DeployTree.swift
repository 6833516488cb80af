import Foundation
import TestSupport
import Yams

/// The files under `deploy/` (and the README's configuration table) as the deployment check reads
/// them: YAML documents as plain dictionaries, env files and systemd units as key/value lines.
enum DeployTree {
    static let root = TestEnvironment.repositoryRoot
    static let deploy = root.appendingPathComponent("deploy")

    typealias Object = [String: Any]

    static func files(under folder: String, extensions: Set<String>) throws -> [URL] {
        let base = deploy.appendingPathComponent(folder)
        guard let walker = FileManager.default.enumerator(at: base, includingPropertiesForKeys: nil) else { return [] }
        return walker.compactMap { $0 as? URL }.filter { extensions.contains($0.pathExtension) }.sorted { $0.path < $1.path }
    }

    static func text(_ relativePath: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(relativePath), encoding: .utf8)
    }

    /// Every document of a YAML file; throws (naming the file) if any does not parse.
    static func documents(_ file: URL) throws -> [Object] {
        let yaml = try String(contentsOf: file, encoding: .utf8)
        do {
            return try Yams.load_all(yaml: yaml).compactMap { $0 as? Object }
        } catch {
            throw DeployCheckFailure("\(file.lastPathComponent) does not parse: \(error)")
        }
    }

    /// Kubernetes objects of `deploy/kubernetes`, each with the file it came from.
    static func kubernetesObjects() throws -> [(file: String, object: Object)] {
        try files(under: "kubernetes", extensions: ["yaml", "yml"]).flatMap { file in
            try documents(file).map { (file.lastPathComponent, $0) }
        }
    }

    /// `NAME=value` lines of an env file; comments and blank lines skipped.
    static func envFileNames(_ relativePath: String) throws -> Set<String> {
        Set(
            try text(relativePath).split(separator: "\n").compactMap { line -> String? in
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                guard !trimmed.isEmpty, !trimmed.hasPrefix("#"), let equals = trimmed.firstIndex(of: "=") else { return nil }
                return String(trimmed[..<equals])
            }
        )
    }

    /// The variable names in the first column of the README's configuration table (a row may name
    /// several, e.g. `GITHUB_CLIENT_ID`, `GITHUB_CLIENT_SECRET`).
    static func readmeConfigurationNames() throws -> Set<String> {
        let readme = try text("README.md")
        guard let start = readme.range(of: "\n## Configuration\n") else {
            throw DeployCheckFailure("README.md has no Configuration section")
        }
        let section = String(readme[start.upperBound...]).components(separatedBy: "\n## ").first ?? ""
        var names: Set<String> = []
        for row in section.split(separator: "\n") where row.hasPrefix("| `") {
            let firstCell = row.dropFirst().prefix { $0 != "|" }
            for (index, part) in firstCell.split(separator: "`", omittingEmptySubsequences: false).enumerated() where index % 2 == 1 {
                names.insert(String(part))
            }
        }
        return names
    }
}

struct DeployCheckFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Walks a parsed YAML object by a dotted path: `value(at: "spec.template.spec")`.
extension Dictionary where Key == String, Value == Any {
    func value(at path: String) -> Any? {
        var current: Any? = self
        for key in path.split(separator: ".") {
            current = (current as? [String: Any])?[String(key)]
        }
        return current
    }

    func object(at path: String) -> [String: Any]? { value(at: path) as? [String: Any] }
    func list(at path: String) -> [Any]? { value(at: path) as? [Any] }
    func string(at path: String) -> String? { value(at: path) as? String }
}
