import Foundation
import Logging
import PostgresNIO

/// Starting, reading, canceling and checking audits. The scan itself is `AuditScanner`, run by
/// the worker; this side only writes the audit row and hands its id to `dispatch`.
public struct AuditService: Sendable {
    /// Publishes the scan of an audit (the `audits.scan` task), optionally not before a time, and
    /// returns the message's task id.
    public typealias Dispatch = @Sendable (_ auditID: UUID, _ notBefore: Date?) async throws -> String
    /// Which of the given scan task ids still have a message in the queue (ready, being run,
    /// delayed or retrying), found by id: the cost never depends on how many messages wait.
    public typealias LiveScans = @Sendable (_ taskIDs: [String]) async throws -> Set<String>

    /// How long a PENDING audit may go without a scan message in the queue before the reconciler
    /// publishes one: covers the moment between writing an audit and publishing its scan.
    public static let reconcileGrace: Duration = .seconds(300)

    let postgres: PostgresClient
    let dispatch: Dispatch
    let liveScans: LiveScans
    /// How long a RUNNING audit may go without a heartbeat from its scan before the reconciler takes
    /// its worker for dead and starts the scan again.
    let stuckAfter: Duration
    /// PENDING or RUNNING audits an organization may have at once (`ORG_MAX_ACTIVE_AUDITS`).
    let maxActiveAudits: Int
    let logger: Logger

    public init(
        postgres: PostgresClient,
        dispatch: @escaping Dispatch,
        liveScans: @escaping LiveScans,
        stuckAfter: Duration,
        maxActiveAudits: Int = QuotaSettings().maxActiveAuditsPerOrganization,
        logger: Logger
    ) {
        self.postgres = postgres
        self.dispatch = dispatch
        self.liveScans = liveScans
        self.stuckAfter = stuckAfter
        self.maxActiveAudits = maxActiveAudits
        self.logger = logger
    }

    /// How long a refused start is told to wait before trying again.
    static let busyRetryAfter = 30

    /// `POST audits/start/`: writes the audit (PENDING), then publishes its scan. If Redis cannot
    /// take the message, the audit still exists with no `enqueued_at`, and the reconciler publishes
    /// it later: an accepted audit is never lost. An organization with `maxActiveAudits` audits
    /// waiting or running already is told to come back (`AuditError.busy`).
    public func start(_ principal: Principal, integration: UUID?, repository rawRepository: String?, checks: [String]?) async throws
        -> Audit
    {
        let organizationID = try principal.organization()
        try principal.authorize(.runAudits)
        var errors: [String: [String]] = [:]
        var repository: String?
        if let raw = rawRepository?.trimmingCharacters(in: .whitespaces), !raw.isEmpty {
            let parts = raw.split(separator: "/", omittingEmptySubsequences: false)
            if parts.count == 2, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isLetter || $0.isNumber || "-_.".contains($0) } }) {
                repository = raw
            } else {
                errors["repository"] = ["Enter a repository as owner/name."]
            }
        }
        let selected = Array(Set(checks ?? [])).sorted()
        let unknown = selected.filter { CheckCatalogue.check(id: $0) == nil }
        if !unknown.isEmpty { errors["checks"] = unknown.map { "Unknown check \"\($0)\"." } }
        if !errors.isEmpty { throw AuditError.validation(errors) }

        let audit = try await postgres.transaction(logger: logger) { connection in
            // The organization's row is the lock that makes concurrent starts count one at a time. The
            // count is a statement of its own: under READ COMMITTED it then sees the audits that the
            // transaction holding the lock before us committed (a subquery of the locking statement
            // would read the snapshot from before the wait).
            try await connection.query("SELECT 1 FROM organizations WHERE id = \(organizationID) FOR UPDATE", logger: logger)
            let active = try await connection.query(
                "SELECT count(*) FROM audits WHERE organization_id = \(organizationID) AND status IN ('PENDING', 'RUNNING')",
                logger: logger
            )
            for try await count in active.decode(Int.self) where count >= maxActiveAudits {
                throw AuditError.busy(
                    "This organization already has \(count) audits waiting or running, the most it may have at once; "
                        + "start this one when one of them has finished.",
                    retryAfter: Self.busyRetryAfter
                )
            }
            let rows = try await connection.query(
                """
                SELECT id FROM integrations
                WHERE organization_id = \(organizationID) AND (\(integration)::uuid IS NULL OR id = \(integration))
                ORDER BY created_at, id LIMIT 1
                """,
                logger: logger
            )
            var integrationID: UUID?
            for try await id in rows.decode(UUID.self) { integrationID = id }
            guard let integrationID else {
                throw AuditError.validation([
                    "integration": [
                        integration == nil ? "Connect GitHub first: this organization has no integration." : "Unknown integration."
                    ]
                ])
            }
            let inserted = try await connection.query(
                """
                INSERT INTO audits (organization_id, integration_id, repository, checks, trigger, requested_by)
                VALUES (\(organizationID), \(integrationID), \(repository), \(selected), 'manual', \(principal.userID))
                RETURNING \(unescaped: Audit.columns)
                """,
                logger: logger
            )
            guard let audit = try await Audit.decode(inserted).first else { throw IdentityError.notFound }
            return audit
        }
        await publish(audit.id, notBefore: nil)
        return audit
    }

    /// Publishes the scan and records that it was published, with the message's task id. A failure
    /// (Redis down) is logged and left to the reconciler.
    func publish(_ auditID: UUID, notBefore: Date?) async {
        do {
            let taskID = try await dispatch(auditID, notBefore)
            try await postgres.query(
                "UPDATE audits SET enqueued_at = now(), scan_task_id = \(taskID) WHERE id = \(auditID)",
                logger: logger
            )
        } catch {
            logger.warning(
                "audit scan not published yet; the reconciler will retry",
                metadata: ["audit": "\(auditID)", "error": "\(error)"]
            )
        }
    }

    /// Publishes the scan of an audit the scanner postponed to GitHub's rate-limit reset (PENDING,
    /// `enqueued_at` already the due time) and records the new message's task id. Throws when Redis
    /// cannot take it, so the scan task fails and its retry tries again.
    public func publishPostponed(_ auditID: UUID, notBefore: Date) async throws {
        let taskID = try await dispatch(auditID, notBefore)
        try await postgres.query("UPDATE audits SET scan_task_id = \(taskID) WHERE id = \(auditID)", logger: logger)
    }

    /// Puts lost scans back on the queue; returns how many it published. Scans are idempotent, so
    /// the rare second message is harmless.
    ///
    /// First, a RUNNING audit whose scan sent no heartbeat for `stuckAfter` has no live worker: it
    /// died, and its message is gone too or would have run again by now (a dead worker's message
    /// comes back after one visibility timeout; this waits three). It returns to PENDING and its
    /// scan is published again.
    ///
    /// Then, PENDING audits written or published more than `grace` ago whose `not_before` has passed
    /// and whose scan message (`scan_task_id`) is not live any more get a new one: Redis was
    /// unreachable when they were written, or their message was lost (a flushed or failed-over
    /// Redis). Only those candidates are looked up, by task id, so the cost never grows with the
    /// queues. A scan that a Python producer published has no presence key and looks missing: its
    /// audit gets a second message after the grace, which the idempotent scan tolerates.
    @discardableResult
    public func reconcile(grace: Duration = AuditService.reconcileGrace, now: Date = Date()) async throws -> Int {
        let recovered = try await recoverStuck(now: now)
        let cutoff = now.addingTimeInterval(-grace.seconds)
        let rows = try await postgres.query(
            """
            SELECT id, scan_task_id FROM audits
            WHERE status = 'PENDING' AND (not_before IS NULL OR not_before <= \(now))
              AND coalesce(enqueued_at, created_at) <= \(cutoff)
            ORDER BY created_at LIMIT 500
            """,
            logger: logger
        )
        var candidates: [(id: UUID, taskID: String?)] = []
        for try await (id, taskID) in rows.decode((UUID, String?).self) { candidates.append((id, taskID)) }
        guard !candidates.isEmpty else { return recovered }
        let live = try await liveScans(candidates.compactMap(\.taskID))
        let missing = candidates.filter { candidate in candidate.taskID.map { !live.contains($0) } ?? true }.map(\.id)
        guard !missing.isEmpty else { return recovered }
        // Published again or started meanwhile: left alone.
        let stillPending = try await postgres.query(
            """
            SELECT id FROM audits
            WHERE id = ANY(\(missing)) AND status = 'PENDING' AND coalesce(enqueued_at, created_at) <= \(cutoff)
            ORDER BY created_at
            """,
            logger: logger
        )
        var lost: [UUID] = []
        for try await id in stillPending.decode(UUID.self) { lost.append(id) }
        for id in lost { await publish(id, notBefore: nil) }
        if !lost.isEmpty {
            logger.notice(
                "re-published audit scans missing from the queue",
                metadata: ["count": "\(lost.count)", "audits": "\(lost.map { $0.uuidString.lowercased() })"]
            )
        }
        return recovered + lost.count
    }

    public struct Filters: Sendable {
        public var status: Audit.Status?
        public var repository: String?
        public var trigger: Audit.Trigger?

        public init(status: Audit.Status? = nil, repository: String? = nil, trigger: Audit.Trigger? = nil) {
            self.status = status
            self.repository = repository
            self.trigger = trigger
        }
    }

    /// `GET audits/`, newest first.
    public func list(_ principal: Principal, filters: Filters, page: PageRequest) async throws -> Page<Audit> {
        let organizationID = try principal.organization()
        try principal.authorize(.read)
        let status = filters.status?.rawValue
        let trigger = filters.trigger?.rawValue
        // The total rides along on every row (a window over the filtered set, computed before LIMIT):
        // one round trip instead of two on the API's busiest list. A page past the end has no rows
        // and no total, but that page is a 404 whatever the total.
        let rows = try await postgres.query(
            """
            SELECT \(unescaped: Audit.columns), count(*) OVER () AS total FROM audits
            WHERE organization_id = \(organizationID) AND (\(status)::text IS NULL OR status = \(status))
              AND (\(filters.repository)::text IS NULL OR repository = \(filters.repository))
              AND (\(trigger)::text IS NULL OR trigger = \(trigger))
            ORDER BY created_at DESC, id LIMIT \(page.limit) OFFSET \(page.offset)
            """,
            logger: logger
        )
        var audits: [Audit] = []
        var total = 0
        for try await row in rows {
            let columns = row.makeRandomAccess()
            audits.append(try Audit(columns))
            total = try columns["total"].decode(Int.self)
        }
        return Page(items: audits, count: total, request: page)
    }

    /// `GET audits/{id}/`.
    public func audit(_ principal: Principal, id: UUID) async throws -> Audit {
        let organizationID = try principal.organization()
        let audit = try await find(id, organizationID: organizationID)
        try principal.authorize(.read)
        return audit
    }

    func find(_ id: UUID, organizationID: UUID) async throws -> Audit {
        let rows = try await postgres.query(
            "SELECT \(unescaped: Audit.columns) FROM audits WHERE id = \(id) AND organization_id = \(organizationID)",
            logger: logger
        )
        guard let audit = try await Audit.decode(rows).first else { throw IdentityError.notFound }
        return audit
    }

    /// `POST audits/{id}/cancel/`: PENDING or RUNNING becomes CANCELED; the scan notices at its next
    /// check. A finished audit is a conflict.
    public func cancel(_ principal: Principal, id: UUID) async throws -> Audit {
        let organizationID = try principal.organization()
        _ = try await find(id, organizationID: organizationID)
        try principal.authorize(.cancelAudits)
        let rows = try await postgres.query(
            """
            UPDATE audits SET status = 'CANCELED', finished_at = now()
            WHERE id = \(id) AND organization_id = \(organizationID) AND status IN ('PENDING', 'RUNNING')
            RETURNING \(unescaped: Audit.columns)
            """,
            logger: logger
        )
        guard let audit = try await Audit.decode(rows).first else {
            throw AuditError.conflict("The audit has already finished.")
        }
        try await postgres.query("SELECT pg_notify(\(AuditEventHub.channel), \(id.uuidString.lowercased()))", logger: logger)
        return audit
    }
}
