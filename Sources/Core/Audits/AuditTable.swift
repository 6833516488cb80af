import Foundation
import Logging
import PostgresNIO

/// Every statement on `audits`, and nothing else writes the table: audits, schedules and the
/// scanner call these. Each change of state is a transition from a set of statuses to one, with the
/// statuses bound as `Audit.Status` values, and it tells the event streams once (`pg_notify`).
/// Statements take the connection they run on, so a caller's transaction can include them.
struct AuditTable: Sendable {
    let logger: Logger

    // MARK: - Reading

    func find(_ id: UUID, organizationID: UUID? = nil, on connection: PostgresConnection) async throws -> Audit? {
        for try await audit in try await connection.execute(FindStatement(id: id, organizationID: organizationID), logger: logger) {
            return audit
        }
        return nil
    }

    func status(of id: UUID, on connection: PostgresConnection) async throws -> Audit.Status? {
        let rows = try await connection.query("SELECT status FROM audits WHERE id = \(id)", logger: logger)
        for try await status in rows.decode(String.self) { return Audit.Status(rawValue: status) }
        return nil
    }

    /// A page of the organization's audits, newest first, and the total matching the filters, in
    /// one round trip (`ListStatement`).
    func list(
        organizationID: UUID,
        filters: AuditService.Filters,
        page: PageRequest,
        on connection: PostgresConnection
    ) async throws -> Page<Audit> {
        let statement = ListStatement(organizationID: organizationID, filters: filters, page: page)
        var audits: [Audit] = []
        // No row: an empty first page (the total is 0) or a page past the end (`isPastTheEnd`).
        var total = 0
        for try await (audit, count) in try await connection.execute(statement, logger: logger) {
            audits.append(audit)
            total = count
        }
        return Page(items: audits, count: total, request: page)
    }

    /// New PENDING audits, one per request of `group` whose organization has fewer than `maxActive`
    /// audits waiting or running, as the database counts them on every write to `audits`
    /// (`active_audit_counts`, migrations 0012 and 0014), and whose integration exists
    /// (`StartStatement`). One outcome per request, in the group's order.
    func start(_ group: [StartRequest], maxActive: Int, on connection: PostgresConnection) async throws -> [StartOutcome] {
        let statement = StartStatement(group: group, maxActive: maxActive)
        var outcomes: [StartOutcome] = []
        outcomes.reserveCapacity(group.count)
        for try await outcome in try await connection.execute(statement, logger: logger) { outcomes.append(outcome) }
        guard outcomes.count == group.count else { throw PostgresDecodingError.Code.missingData }
        return outcomes
    }

    /// Writes the organization's missing row of `active_audit_counts` from a real count. Writers of
    /// `audits` wait while it counts, as the migration that introduced the table did, so the row
    /// starts exact; this runs only after someone deleted the row by hand.
    func recountActive(organizationID: UUID, on connection: PostgresConnection) async throws {
        try await connection.query("LOCK TABLE audits IN SHARE ROW EXCLUSIVE MODE", logger: logger)
        try await connection.query(
            """
            INSERT INTO active_audit_counts (organization_id, active)
            SELECT \(organizationID), count(*) FROM audits
            WHERE organization_id = \(organizationID) AND status = ANY(\(Audit.Status.active.names))
            ON CONFLICT (organization_id) DO NOTHING
            """,
            logger: logger
        )
    }

    /// The finished audit (PASS or FAIL) of the same scope created last before `audit`.
    func previousResult(before audit: Audit, on connection: PostgresConnection) async throws -> UUID? {
        let rows = try await connection.query(
            """
            SELECT id FROM audits
            WHERE organization_id = \(audit.organizationID) AND id <> \(audit.id) AND status = ANY(\(Audit.Status.results.names))
              AND integration_id IS NOT DISTINCT FROM \(audit.integrationID) AND repository IS NOT DISTINCT FROM \(audit.repository)
              AND created_at < \(audit.createdAt)
            ORDER BY created_at DESC LIMIT 1
            """,
            logger: logger
        )
        for try await id in rows.decode(UUID.self) { return id }
        return nil
    }

    /// PENDING audits written or published by `cutoff` whose `not_before` has passed, with the task
    /// id of their last scan message: the reconciler's candidates.
    func waiting(since cutoff: Date, now: Date, on connection: PostgresConnection) async throws -> [(id: UUID, taskID: String?)] {
        let rows = try await connection.query(
            """
            SELECT id, scan_task_id FROM audits
            WHERE status = \(Audit.Status.pending.rawValue) AND (not_before IS NULL OR not_before <= \(now))
              AND coalesce(enqueued_at, created_at) <= \(cutoff)
            ORDER BY created_at LIMIT 500
            """,
            logger: logger
        )
        var candidates: [(id: UUID, taskID: String?)] = []
        for try await (id, taskID) in rows.decode((UUID, String?).self) { candidates.append((id, taskID)) }
        return candidates
    }

    /// Which of `ids` are still PENDING and not published again since `cutoff`.
    func stillWaiting(_ ids: [UUID], since cutoff: Date, on connection: PostgresConnection) async throws -> [UUID] {
        let rows = try await connection.query(
            """
            SELECT id FROM audits
            WHERE id = ANY(\(ids)) AND status = \(Audit.Status.pending.rawValue) AND coalesce(enqueued_at, created_at) <= \(cutoff)
            ORDER BY created_at
            """,
            logger: logger
        )
        var waiting: [UUID] = []
        for try await id in rows.decode(UUID.self) { waiting.append(id) }
        return waiting
    }

    // MARK: - Writing

    /// What a new audit is made of: a member's start, or a schedule's slot.
    struct NewAudit: Sendable {
        var id = UUID()
        let organizationID: UUID
        let integrationID: UUID?
        let repository: String?
        let checks: [String]
        let trigger: Audit.Trigger
        var requestedBy: UUID?
        var scheduleID: UUID?
        var scheduledFor: Date?
        /// The id its scan's message will have, when it is known before the audit is written (a
        /// start); the audit then counts as published now.
        var scanTaskID: String?
    }

    /// A new PENDING audit.
    @discardableResult
    func insert(_ new: NewAudit, on connection: PostgresConnection) async throws -> Audit {
        let rows = try await connection.query(
            """
            INSERT INTO audits (id, organization_id, integration_id, repository, checks, trigger, requested_by, schedule_id, scheduled_for,
                                scan_task_id, enqueued_at)
            VALUES (\(new.id), \(new.organizationID), \(new.integrationID), \(new.repository), \(new.checks), \(new.trigger.rawValue),
                    \(new.requestedBy), \(new.scheduleID), \(new.scheduledFor), \(new.scanTaskID),
                    CASE WHEN \(new.scanTaskID)::text IS NULL THEN NULL ELSE now() END)
            RETURNING \(unescaped: Audit.columns)
            """,
            logger: logger
        )
        guard let audit = try await Audit.decode(rows).first else { throw NotFound(.audit) }
        return audit
    }

    /// Its scan was published with task `taskID`, now (`stamp`), or for the due time `enqueued_at` already holds.
    func published(_ id: UUID, taskID: String, stampingEnqueuedAt stamp: Bool, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            UPDATE audits SET enqueued_at = CASE WHEN \(stamp) THEN now() ELSE enqueued_at END, scan_task_id = \(taskID)
            WHERE id = \(id)
            """,
            logger: logger
        )
    }

    /// PENDING or RUNNING → RUNNING: a scan takes the audit (again, after a redelivery).
    func claim(_ id: UUID, on connection: PostgresConnection) async throws -> Audit? {
        let rows = try await connection.query(
            """
            UPDATE audits SET status = \(Audit.Status.running.rawValue), started_at = COALESCE(started_at, now()), heartbeat_at = now(),
                              pending_reason = NULL, not_before = NULL, error = NULL
            WHERE id = \(id) AND status = ANY(\(Audit.Status.active.names))
            RETURNING \(unescaped: Audit.columns)
            """,
            logger: logger
        )
        let audit = try await Audit.decode(rows).first
        if audit != nil { try await notify(id, on: connection) }
        return audit
    }

    /// RUNNING: the amount of work is known, and nothing of it is done yet.
    func begin(_ id: UUID, total: Int, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            UPDATE audits SET progress_total = \(total), progress_done = 0
            WHERE id = \(id) AND status = \(Audit.Status.running.rawValue)
            """,
            logger: logger
        )
        try await notify(id, on: connection)
    }

    /// `done` more checks stored.
    func advance(_ id: UUID, by done: Int, on connection: PostgresConnection) async throws {
        try await connection.query("UPDATE audits SET progress_done = progress_done + \(done) WHERE id = \(id)", logger: logger)
        try await notify(id, on: connection)
    }

    /// The scan still runs (stuck-work recovery reads this).
    func heartbeat(_ id: UUID, on connection: PostgresConnection) async throws {
        try await connection.query(
            "UPDATE audits SET heartbeat_at = now() WHERE id = \(id) AND status = \(Audit.Status.running.rawValue)",
            logger: logger
        )
    }

    /// What a finished scan computed from its evidence.
    struct Result: Sendable {
        let status: Audit.Status
        let score: Int?
        let summary: Audit.Summary
        let digest: String
    }

    /// RUNNING → PASS or FAIL. Returns the status the audit ends with: CANCELED when it was canceled
    /// while the last checks ran.
    func finish(_ id: UUID, with result: Result, on connection: PostgresConnection) async throws -> Audit.Status {
        let rows = try await connection.query(
            """
            UPDATE audits SET status = \(result.status.rawValue), finished_at = now(), score = \(result.score),
                passed = \(result.summary.passed), failed = \(result.summary.failed), errors = \(result.summary.errors),
                not_applicable = \(result.summary.notApplicable), evidence_digest = \(result.digest)
            WHERE id = \(id) AND status = \(Audit.Status.running.rawValue) RETURNING status
            """,
            logger: logger
        )
        var final = Audit.Status.canceled
        for try await value in rows.decode(String.self) { final = Audit.Status(rawValue: value) ?? final }
        try await notify(id, on: connection)
        return final
    }

    /// PENDING or RUNNING → ERROR with a reason a user can act on. Finished audits keep their result.
    func fail(_ id: UUID, reason: String, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            UPDATE audits SET status = \(Audit.Status.error.rawValue), error = \(reason), finished_at = now()
            WHERE id = \(id) AND status = ANY(\(Audit.Status.active.names))
            """,
            logger: logger
        )
        try await notify(id, on: connection)
    }

    /// RUNNING → PENDING until `retryAt` (GitHub's rate limit), when the delayed message falls due:
    /// `enqueued_at` is that time, so the reconciler only steps in if that message does not run.
    func postpone(_ id: UUID, until retryAt: Date, reason: String, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            UPDATE audits SET status = \(Audit.Status.pending.rawValue), pending_reason = \(reason), not_before = \(retryAt),
                              enqueued_at = \(retryAt)
            WHERE id = \(id) AND status = \(Audit.Status.running.rawValue)
            """,
            logger: logger
        )
        try await notify(id, on: connection)
    }

    /// PENDING or RUNNING → CANCELED; nil when the audit had finished already.
    func cancel(_ id: UUID, organizationID: UUID, on connection: PostgresConnection) async throws -> Audit? {
        let rows = try await connection.query(
            """
            UPDATE audits SET status = \(Audit.Status.canceled.rawValue), finished_at = now()
            WHERE id = \(id) AND organization_id = \(organizationID) AND status = ANY(\(Audit.Status.active.names))
            RETURNING \(unescaped: Audit.columns)
            """,
            logger: logger
        )
        let audit = try await Audit.decode(rows).first
        if audit != nil { try await notify(id, on: connection) }
        return audit
    }

    /// RUNNING without a heartbeat since `cutoff` → PENDING, with `reason`: their worker died. Each row
    /// is re-checked under its lock (`SKIP LOCKED`), so a scan that sent a heartbeat, finished or was
    /// canceled meanwhile is left alone. Returns the audits requeued.
    func requeueStuck(since cutoff: Date, reason: String, on connection: PostgresConnection) async throws -> [UUID] {
        let running = Audit.Status.running.rawValue
        let rows = try await connection.query(
            """
            UPDATE audits SET status = \(Audit.Status.pending.rawValue), pending_reason = \(reason), heartbeat_at = NULL
            WHERE id IN (
                SELECT id FROM audits
                WHERE status = \(running) AND coalesce(heartbeat_at, started_at, created_at) <= \(cutoff)
                ORDER BY created_at LIMIT 500 FOR UPDATE SKIP LOCKED
            ) AND status = \(running) AND coalesce(heartbeat_at, started_at, created_at) <= \(cutoff)
            RETURNING id
            """,
            logger: logger
        )
        var requeued: [UUID] = []
        for try await id in rows.decode(UUID.self) { requeued.append(id) }
        for id in requeued { try await notify(id, on: connection) }
        return requeued
    }

    /// Wakes the event streams of `id` in every API process (delivered when the transaction commits).
    private func notify(_ id: UUID, on connection: PostgresConnection) async throws {
        try await connection.query("SELECT pg_notify(\(AuditEventHub.channel), \(id.apiString))", logger: logger)
    }
}

extension AuditTable {
    /// Runs one of the statements above on a connection of its own.
    func run<Value: Sendable>(_ postgres: PostgresClient, _ body: (PostgresConnection) async throws -> Value) async throws -> Value {
        try await postgres.withConnection { connection in try await body(connection) }
    }
}

extension Audit.Status {
    /// Waiting or running: not finished.
    static let active: [Audit.Status] = [.pending, .running]
    /// Finished with a result, as reports and diffs need.
    static let results: [Audit.Status] = [.pass, .fail]
}

extension Array where Element == Audit.Status {
    /// The raw values, for `status = ANY(...)`.
    var names: [String] { map(\.rawValue) }
}
