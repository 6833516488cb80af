import Foundation
import Logging
import PostgresNIO

/// Starting, reading, canceling and checking audits. The scan itself is `AuditScanner`, run by
/// the worker; this side only writes the audit row and hands its id to `dispatch`.
public struct AuditService: Sendable {
    /// Publishes the scans of audits (`audits.scan` tasks) in one round trip. The caller picks
    /// each message's id, so a start can store it with the audit.
    public typealias Dispatch = @Sendable (_ scans: [ScanMessage]) async throws -> Void

    /// One scan message: its audit, the message's task id, and optionally a time it may not run
    /// before.
    public struct ScanMessage: Sendable {
        public let auditID: UUID
        public let taskID: String
        public let notBefore: Date?
    }
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
    /// Moved after each write here, for the API's response cache; nil where nothing caches.
    public let changes: AuditChanges?
    let logger: Logger
    /// Concurrent starts, written and published in groups (`AuditService+Start.swift`).
    let starts: GroupCommit<AuditTable.StartRequest, AuditTable.StartOutcome>

    public init(
        postgres: PostgresClient,
        dispatch: @escaping Dispatch,
        liveScans: @escaping LiveScans,
        stuckAfter: Duration,
        maxActiveAudits: Int = QuotaSettings().maxActiveAuditsPerOrganization,
        changes: AuditChanges? = nil,
        logger: Logger
    ) {
        self.postgres = postgres
        self.dispatch = dispatch
        self.liveScans = liveScans
        self.stuckAfter = stuckAfter
        self.maxActiveAudits = maxActiveAudits
        self.changes = changes
        self.logger = logger
        let writer = StartWriter(
            postgres: postgres,
            dispatch: dispatch,
            maxActiveAudits: maxActiveAudits,
            changes: changes,
            logger: logger
        )
        self.starts = GroupCommit(maxGroup: StartWriter.maxGroup) { group in await writer.write(group) }
    }

    var table: AuditTable { AuditTable(logger: logger) }

    /// Publishes the scan and records that it was published, with the message's task id. A failure
    /// (Redis down) is logged and left to the reconciler.
    func publish(_ auditID: UUID, notBefore: Date?) async {
        await cycle.publish(auditID) {
            let taskID = TaskEnvelope.newID()
            try await dispatch([ScanMessage(auditID: auditID, taskID: taskID, notBefore: notBefore)])
            try await postgres.withConnection { connection in
                try await table.published(auditID, taskID: taskID, stampingEnqueuedAt: true, on: connection)
            }
        }
    }

    /// Publishes the scan of an audit the scanner postponed to GitHub's rate-limit reset (PENDING,
    /// `enqueued_at` already the due time) and records the new message's task id. Throws when Redis
    /// cannot take it, so the scan task fails and its retry tries again.
    public func publishPostponed(_ auditID: UUID, notBefore: Date) async throws {
        let taskID = TaskEnvelope.newID()
        try await dispatch([ScanMessage(auditID: auditID, taskID: taskID, notBefore: notBefore)])
        try await postgres.withConnection { connection in
            try await table.published(auditID, taskID: taskID, stampingEnqueuedAt: false, on: connection)
        }
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
        try await cycle.reconcile(
            requeueStuck: { try await requeueStuck(now: now) },
            lost: { try await lostScans(since: now.addingTimeInterval(-grace.seconds), now: now) },
            publish: { id in await publish(id, notBefore: nil) }
        )
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
        return try await postgres.withConnection { connection in
            try await table.list(organizationID: organizationID, filters: filters, page: page, on: connection)
        }
    }

    /// `GET audits/{id}/`.
    public func audit(_ principal: Principal, id: UUID) async throws -> Audit {
        let organizationID = try principal.organization()
        let audit = try await find(id, organizationID: organizationID)
        try principal.authorize(.read)
        return audit
    }

    func find(_ id: UUID, organizationID: UUID) async throws -> Audit {
        let audit = try await postgres.withConnection { connection in
            try await table.find(id, organizationID: organizationID, on: connection)
        }
        guard let audit else { throw NotFound(.audit) }
        return audit
    }

    /// `POST audits/{id}/cancel/`: PENDING or RUNNING becomes CANCELED; the scan notices at its next
    /// check. A finished audit is a conflict.
    public func cancel(_ principal: Principal, id: UUID) async throws -> Audit {
        let organizationID = try principal.organization()
        _ = try await find(id, organizationID: organizationID)
        try principal.authorize(.cancelAudits)
        let canceled = try await postgres.withConnection { connection in
            try await table.cancel(id, organizationID: organizationID, on: connection)
        }
        await changes?.changed()
        guard let canceled else { throw AuditError.conflict("The audit has already finished.") }
        return canceled
    }
}
