import Crypto
import Foundation

/// One schema change: an SQL file named `NNNN_description.sql`, applied once, in version order.
/// Applied files are never edited; the checksum catches an edit before it silently diverges.
public struct Migration: Equatable, Sendable {
    public let version: Int
    public let name: String
    public let sql: String
    public let checksum: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
        self.checksum = Hex.encode(SHA256.hash(data: Array(sql.utf8)))
    }

    /// The migrations shipped with Core, in version order.
    public static func bundled() throws -> [Migration] {
        guard let directory = Bundle.module.url(forResource: "Migrations", withExtension: nil) else {
            throw MigrationError.missingDirectory("Migrations resource of Core")
        }
        return try load(from: directory)
    }

    /// Reads every `.sql` file in `directory`; file names must be `NNNN_description.sql`, versions unique.
    public static func load(from directory: URL) throws -> [Migration] {
        let files = try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "sql" }
        var migrations: [Migration] = []
        for file in files {
            let stem = file.deletingPathExtension().lastPathComponent
            let parts = stem.split(separator: "_", maxSplits: 1)
            guard parts.count == 2, let version = Int(parts[0]), version > 0 else {
                throw MigrationError.badFileName(file.lastPathComponent)
            }
            let sql = try String(contentsOf: file, encoding: .utf8)
            migrations.append(Migration(version: version, name: String(parts[1]), sql: sql))
        }
        migrations.sort { $0.version < $1.version }
        for (previous, next) in zip(migrations, migrations.dropFirst()) where previous.version == next.version {
            throw MigrationError.duplicateVersion(next.version)
        }
        return migrations
    }

    /// `0001_initial`, as files and logs name it.
    public var label: String {
        let digits = String(version)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits + "_" + name
    }
}

public enum MigrationError: Error, Equatable, CustomStringConvertible, Sendable {
    case missingDirectory(String)
    case badFileName(String)
    case duplicateVersion(Int)
    /// An applied migration's file changed after it ran.
    case checksumMismatch(String)
    /// The database has a version this build does not know, older than this build's newest: its
    /// history diverged from this build's. (Versions past the newest are a rolled-back release's.)
    case unknownApplied(Int)
    case failed(String, String)
    /// Production start-up with migrations not yet applied.
    case pending([String])

    public var description: String {
        switch self {
        case .missingDirectory(let what): "migrations not found: \(what)"
        case .badFileName(let file): "migration file \(file) is not named NNNN_description.sql"
        case .duplicateVersion(let version): "two migrations have version \(version)"
        case .checksumMismatch(let label): "migration \(label) was edited after it was applied; add a new migration instead"
        case .unknownApplied(let version):
            "the database has migration \(version), which this build does not know although it has later ones"
        case .failed(let label, let reason): "migration \(label) failed and was rolled back: \(reason)"
        case .pending(let labels): "\(labels.count) migration(s) pending (\(labels.joined(separator: ", "))); run `AuditAPI migrate` first"
        }
    }
}
