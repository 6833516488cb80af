import Foundation
import Logging
import PostgresNIO

/// Requesting, listing and downloading reports. Rendering is `ReportGenerator`, run by the worker;
/// this side writes the report row and hands its id to `dispatch`.
public struct ReportService: Sendable {
    /// Publishes the rendering of a report (the `reports.generate` task).
    public typealias Dispatch = @Sendable (_ reportID: UUID) async throws -> Void

    let postgres: PostgresClient
    let dispatch: Dispatch
    /// How long a RUNNING report may go without a heartbeat from its rendering before the reconciler
    /// takes its worker for dead and renders it again.
    let stuckAfter: Duration
    let logger: Logger

    var table: ReportTable { ReportTable(logger: logger) }

    public init(postgres: PostgresClient, dispatch: @escaping Dispatch, stuckAfter: Duration = .seconds(180), logger: Logger) {
        self.postgres = postgres
        self.dispatch = dispatch
        self.stuckAfter = stuckAfter
        self.logger = logger
    }

    /// `POST audits/{id}/reports/`: writes the report (PENDING), then publishes its rendering. Only
    /// audits that finished with a result (PASS or FAIL) have a complete, digested evidence set to
    /// report on; anything else is a conflict. If Redis cannot take the message, the report stays
    /// PENDING without `enqueued_at` and the reconciler publishes it later. While a report of the
    /// audit is PENDING or RUNNING, asking again returns that one (`created` false): repeated
    /// clicks never queue renderings of the same PDF.
    public func request(_ principal: Principal, auditID: UUID) async throws -> (report: Report, created: Bool) {
        let organizationID = try principal.organization()
        let status = try await auditStatus(auditID, organizationID: organizationID)
        try principal.authorize(.generateReports)
        guard status == .pass || status == .fail else {
            throw ReportError.conflict(
                status.isFinished
                    ? "The audit ended \(status.rawValue) without a result; reports are made of audits that finished PASS or FAIL."
                    : "The audit has not finished yet (\(status.rawValue)); request the report once it has."
            )
        }
        // The partial unique index allows one active report per audit; losing the race to insert
        // means another request's report is the one, unless it finished in between: then try again.
        for _ in 0..<3 {
            let inserted = try await postgres.withConnection { connection in
                try await table.insert(auditID: auditID, organizationID: organizationID, requestedBy: principal.userID, on: connection)
            }
            if let inserted {
                await publish(inserted.id)
                return (inserted, true)
            }
            let active = try await postgres.withConnection { connection in
                try await table.active(auditID: auditID, organizationID: organizationID, on: connection)
            }
            if let active { return (active, false) }
        }
        throw ReportError.conflict("The report of this audit is being requested by someone else right now; try again.")
    }

    /// `request`, for callers that only need the report.
    public func create(_ principal: Principal, auditID: UUID) async throws -> Report {
        try await request(principal, auditID: auditID).report
    }

    /// Publishes the rendering and records that it was published. A failure (Redis down) is logged
    /// and left to the reconciler.
    func publish(_ reportID: UUID) async {
        await cycle.publish(reportID) {
            try await dispatch(reportID)
            try await postgres.withConnection { connection in try await table.published(reportID, on: connection) }
        }
    }

    /// Publishes the renderings of reports that are PENDING but were never published, or were
    /// published more than `staleAfter` ago and are still PENDING (the message was lost), after
    /// returning RUNNING reports whose rendering stopped heart-beating to PENDING (their worker
    /// died). Rendering is idempotent, so publishing twice is harmless. Returns how many.
    @discardableResult
    public func reconcile(staleAfter: Duration = .seconds(600), now: Date = Date()) async throws -> Int {
        let cutoff = Date.now.addingTimeInterval(-staleAfter.seconds)
        return try await cycle.reconcile(
            requeueStuck: { try await requeueStuck(now: now) },
            lost: { try await postgres.withConnection { connection in try await table.unpublished(since: cutoff, on: connection) } },
            publish: { id in await publish(id) }
        )
    }

    /// `GET audits/{id}/reports/`, newest first.
    public func list(_ principal: Principal, auditID: UUID, page: PageRequest) async throws -> Page<Report> {
        let organizationID = try principal.organization()
        _ = try await auditStatus(auditID, organizationID: organizationID)
        try principal.authorize(.read)
        return try await postgres.withConnection { connection in
            try await table.list(auditID: auditID, organizationID: organizationID, page: page, on: connection)
        }
    }

    /// `GET reports/{id}/`.
    public func report(_ principal: Principal, id: UUID) async throws -> Report {
        let organizationID = try principal.organization()
        let report = try await find(id, organizationID: organizationID)
        try principal.authorize(.read)
        return report
    }

    /// `GET reports/{id}/download/`: the READY report's headers; 409 while it is not READY.
    public func download(_ principal: Principal, id: UUID) async throws -> ReportDownload {
        let organizationID = try principal.organization()
        let report = try await find(id, organizationID: organizationID)
        try principal.authorize(.read)
        guard report.status == .ready, let sha256 = report.sha256, let size = report.size else {
            throw ReportError.conflict(
                report.status == .error
                    ? "The report could not be rendered: \(report.error ?? "unknown error"). Request a new one."
                    : "The report is not ready yet (\(report.status.rawValue)); try again shortly."
            )
        }
        let named = try await postgres.withConnection { connection -> (slug: String, finished: Date?)? in
            guard let audit = try await AuditTable(logger: logger).find(report.auditID, on: connection),
                let organization = try await Organization.find(id: audit.organizationID, on: connection, logger: logger)
            else { return nil }
            return (organization.slug, audit.finishedAt)
        }
        var filename = "auditmate-report.pdf"
        if let named { filename = "auditmate-\(named.slug)-\(ReportFormat.day(named.finished ?? report.createdAt)).pdf" }
        return ReportDownload(report: report, sha256: sha256, size: size, filename: filename)
    }

    /// The bytes of a download's PDF.
    public func bytes(of download: ReportDownload) async throws -> [UInt8] {
        let pdf = try await postgres.withConnection { connection in try await table.pdf(of: download.report.id, on: connection) }
        if let pdf { return pdf }
        throw NotFound(.report)
    }

    func find(_ id: UUID, organizationID: UUID) async throws -> Report {
        let report = try await postgres.withConnection { connection in
            try await table.find(id, organizationID: organizationID, on: connection)
        }
        guard let report else { throw NotFound(.report) }
        return report
    }

    private func auditStatus(_ auditID: UUID, organizationID: UUID) async throws -> Audit.Status {
        let audit = try await postgres.withConnection { connection in
            try await AuditTable(logger: logger).find(auditID, organizationID: organizationID, on: connection)
        }
        guard let audit else { throw NotFound(.audit) }
        return audit.status
    }
}
