import Foundation
import Logging
import NIOCore
import PostgresNIO

/// Every statement on `reports`: the report service (requests, reads, downloads, reconciling), the
/// generator (claim, heartbeat, the PDF) and retention call these. Changes of state are transitions
/// from a set of statuses to one, the statuses bound as `Report.Status` values.
struct ReportTable: Sendable {
    let logger: Logger

    // MARK: - Reading

    func find(_ id: UUID, organizationID: UUID? = nil, on connection: PostgresConnection) async throws -> Report? {
        let rows = try await connection.query(
            """
            SELECT \(unescaped: Report.columns) FROM reports
            WHERE id = \(id) AND (\(organizationID)::uuid IS NULL OR organization_id = \(organizationID))
            """,
            logger: logger
        )
        return try await Report.decode(rows).first
    }

    /// The audit's report that is PENDING or RUNNING, if any (there is at most one).
    func active(auditID: UUID, organizationID: UUID, on connection: PostgresConnection) async throws -> Report? {
        let rows = try await connection.query(
            """
            SELECT \(unescaped: Report.columns) FROM reports
            WHERE audit_id = \(auditID) AND organization_id = \(organizationID) AND status = ANY(\(Report.Status.active.names))
            """,
            logger: logger
        )
        return try await Report.decode(rows).first
    }

    /// A page of the audit's reports, newest first, and how many there are.
    func list(auditID: UUID, organizationID: UUID, page: PageRequest, on connection: PostgresConnection) async throws -> Page<Report> {
        let rows = try await connection.query(
            """
            SELECT \(unescaped: Report.columns) FROM reports
            WHERE audit_id = \(auditID) AND organization_id = \(organizationID)
            ORDER BY created_at DESC, id LIMIT \(page.limit) OFFSET \(page.offset)
            """,
            logger: logger
        )
        let reports = try await Report.decode(rows)
        let total = try await connection.count(
            "SELECT count(*) FROM reports WHERE audit_id = \(auditID) AND organization_id = \(organizationID)",
            logger: logger
        )
        return Page(items: reports, count: total, request: page)
    }

    /// The PDF of a READY report.
    func pdf(of id: UUID, on connection: PostgresConnection) async throws -> [UInt8]? {
        let rows = try await connection.query("SELECT pdf FROM reports WHERE id = \(id)", logger: logger)
        for try await pdf in rows.decode(ByteBuffer?.self) { return pdf.map { Array($0.readableBytesView) } }
        return nil
    }

    /// PENDING reports never published, or published before `cutoff` (their message was lost).
    func unpublished(since cutoff: Date, on connection: PostgresConnection) async throws -> [UUID] {
        let rows = try await connection.query(
            """
            SELECT id FROM reports
            WHERE status = \(Report.Status.pending.rawValue) AND (enqueued_at IS NULL OR enqueued_at < \(cutoff))
            ORDER BY created_at LIMIT 500
            """,
            logger: logger
        )
        var ids: [UUID] = []
        for try await id in rows.decode(UUID.self) { ids.append(id) }
        return ids
    }

    // MARK: - Writing

    /// A new PENDING report of the audit; nil when the audit has one PENDING or RUNNING already.
    /// The conflict target is the partial unique index `reports_one_active_per_audit`, whose
    /// predicate must be spelled out (it is matched, not bound).
    func insert(auditID: UUID, organizationID: UUID, requestedBy: UUID?, on connection: PostgresConnection) async throws -> Report? {
        let rows = try await connection.query(
            """
            INSERT INTO reports (organization_id, audit_id, requested_by)
            VALUES (\(organizationID), \(auditID), \(requestedBy))
            ON CONFLICT (audit_id) WHERE status IN (\(unescaped: Report.Status.active.sqlLiterals)) DO NOTHING
            RETURNING \(unescaped: Report.columns)
            """,
            logger: logger
        )
        return try await Report.decode(rows).first
    }

    /// Its rendering was published now.
    func published(_ id: UUID, on connection: PostgresConnection) async throws {
        try await connection.query("UPDATE reports SET enqueued_at = now() WHERE id = \(id)", logger: logger)
    }

    /// Anything but READY → RUNNING: a rendering takes the report (again). Returns its audit and
    /// when it was requested.
    func claim(_ id: UUID, on connection: PostgresConnection) async throws -> (auditID: UUID, requestedAt: Date)? {
        let rows = try await connection.query(
            """
            UPDATE reports SET status = \(Report.Status.running.rawValue), started_at = now(), heartbeat_at = now(), error = NULL
            WHERE id = \(id) AND status <> \(Report.Status.ready.rawValue)
            RETURNING audit_id, created_at
            """,
            logger: logger
        )
        for try await row in rows.decode((UUID, Date).self) { return row }
        return nil
    }

    func heartbeat(_ id: UUID, on connection: PostgresConnection) async throws {
        try await connection.query(
            "UPDATE reports SET heartbeat_at = now() WHERE id = \(id) AND status = \(Report.Status.running.rawValue)",
            logger: logger
        )
    }

    /// RUNNING → READY with its PDF.
    func ready(_ id: UUID, pdf: [UInt8], sha256: String, pages: Int, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            UPDATE reports SET status = \(Report.Status.ready.rawValue), pdf = \(ByteBuffer(bytes: pdf)), sha256 = \(sha256),
                               size = \(pdf.count), pages = \(pages), error = NULL, finished_at = now()
            WHERE id = \(id) AND status = \(Report.Status.running.rawValue)
            """,
            logger: logger
        )
    }

    /// PENDING or RUNNING → ERROR with a readable reason; READY reports keep their PDF.
    func fail(_ id: UUID, reason: String, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            UPDATE reports SET status = \(Report.Status.error.rawValue), error = \(reason), finished_at = now()
            WHERE id = \(id) AND status = ANY(\(Report.Status.active.names))
            """,
            logger: logger
        )
    }

    /// RUNNING without a heartbeat since `cutoff` → PENDING (their worker died), each row re-checked
    /// under its lock. Returns the reports requeued.
    func requeueStuck(since cutoff: Date, on connection: PostgresConnection) async throws -> [UUID] {
        let running = Report.Status.running.rawValue
        let rows = try await connection.query(
            """
            UPDATE reports SET status = \(Report.Status.pending.rawValue), heartbeat_at = NULL
            WHERE id IN (
                SELECT id FROM reports
                WHERE status = \(running) AND coalesce(heartbeat_at, started_at, created_at) <= \(cutoff)
                ORDER BY created_at LIMIT 500 FOR UPDATE SKIP LOCKED
            ) AND status = \(running) AND coalesce(heartbeat_at, started_at, created_at) <= \(cutoff)
            RETURNING id
            """,
            logger: logger
        )
        var requeued: [UUID] = []
        for try await id in rows.decode(UUID.self) { requeued.append(id) }
        return requeued
    }

    /// Deletes the reports created before `cutoff`; returns how many.
    func deleteCreated(before cutoff: Date, on connection: PostgresConnection) async throws -> Int {
        let rows = try await connection.query(
            "WITH gone AS (DELETE FROM reports WHERE created_at < \(cutoff) RETURNING 1) SELECT count(*) FROM gone",
            logger: logger
        )
        var deleted = 0
        for try await count in rows.decode(Int.self) { deleted += count }
        return deleted
    }
}

extension Report.Status {
    /// Waiting or rendering: at most one per audit.
    static let active: [Report.Status] = [.pending, .running]
}

extension Array where Element == Report.Status {
    /// The raw values, for `status = ANY(...)`.
    var names: [String] { map(\.rawValue) }
    /// `'PENDING', 'RUNNING'`, for the one place a list must be literal (an index predicate).
    var sqlLiterals: String { map { "'\($0.rawValue)'" }.joined(separator: ", ") }
}
