import Crypto
import Foundation
import Logging
import PostgresNIO

/// Renders reports in the worker: claims the report row, reads the audit and its evidence (raw
/// answers cut to `limits` by the database), renders the PDF off Swift's cooperative pool, and stores
/// the bytes with their SHA-256.
public struct ReportGenerator: Sendable {
    public enum Outcome: Equatable, Sendable {
        case rendered(pages: Int, size: Int, sha256: String)
        /// READY already (a duplicate message): nothing to do.
        case alreadyReady
    }

    /// A failure that rendering again will not fix (the report or its audit is gone or unusable).
    public struct PermanentFailure: Error, CustomStringConvertible {
        public let description: String
    }

    let postgres: PostgresClient
    let limits: ReportLimits
    /// How often a rendering refreshes its report's `heartbeat_at`, by which the reconciler tells
    /// a rendering that still runs from one whose worker died. Workers use a quarter of the queue's
    /// visibility timeout.
    let heartbeatInterval: Duration
    let logger: Logger

    public init(postgres: PostgresClient, limits: ReportLimits = ReportLimits(), heartbeatInterval: Duration = .seconds(15), logger: Logger)
    {
        self.postgres = postgres
        self.limits = limits
        self.heartbeatInterval = heartbeatInterval
        self.logger = logger
    }

    /// Renders report `id`. Running it again for a report that is not READY renders it again, so a
    /// redelivered or requeued message is harmless.
    public func generate(_ id: UUID) async throws -> Outcome {
        let reports = ReportTable(logger: logger)
        let claimed = try await postgres.withConnection { connection in try await reports.claim(id, on: connection) }
        guard let (auditID, requestedAt) = claimed else {
            if try await exists(id) { return .alreadyReady }
            throw PermanentFailure(description: "report \(id) does not exist")
        }
        let heartbeat = RecordHeartbeat.start(every: heartbeatInterval, logger: logger) { [postgres] in
            try await postgres.withConnection { connection in try await reports.heartbeat(id, on: connection) }
        }
        defer { heartbeat.cancel() }
        let content = try await load(reportID: id, auditID: auditID, requestedAt: requestedAt)
        let rendered = try await ReportRenderer.renderOffThePool(content)
        let sha256 = Hex.encode(SHA256.hash(data: rendered.bytes))
        try await postgres.withConnection { connection in
            try await reports.ready(id, pdf: rendered.bytes, sha256: sha256, pages: rendered.pages, on: connection)
        }
        logger.info(
            "report rendered",
            metadata: ["report": "\(id)", "pages": "\(rendered.pages)", "bytes": "\(rendered.bytes.count)"]
        )
        return .rendered(pages: rendered.pages, size: rendered.bytes.count, sha256: sha256)
    }

    private func exists(_ id: UUID) async throws -> Bool {
        try await postgres.withConnection { connection in try await ReportTable(logger: logger).find(id, on: connection) != nil }
    }
}
