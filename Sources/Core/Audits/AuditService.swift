import Foundation
import Logging
import PostgresNIO

/// Starting, reading, canceling and checking audits. The scan itself is `AuditScanner`, run by
/// the worker; this side only writes the audit row and hands its id to `dispatch`.
public struct AuditService: Sendable {
    /// Publishes the scan of an audit (the `audits.scan` task), optionally not before a time.
    public typealias Dispatch = @Sendable (_ auditID: UUID, _ notBefore: Date?) async throws -> Void

    let postgres: PostgresClient
    let dispatch: Dispatch
    let logger: Logger

    public init(postgres: PostgresClient, dispatch: @escaping Dispatch, logger: Logger) {
        self.postgres = postgres
        self.dispatch = dispatch
        self.logger = logger
    }

    /// `POST audits/start/`: writes the audit (PENDING), then publishes its scan. If Redis cannot
    /// take the message, the audit still exists with no `enqueued_at`, and the reconciler publishes
    /// it later: an accepted audit is never lost.
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

    /// Publishes the scan and records that it was published. A failure (Redis down) is logged and
    /// left to the reconciler.
    func publish(_ auditID: UUID, notBefore: Date?) async {
        do {
            try await dispatch(auditID, notBefore)
            try await postgres.query("UPDATE audits SET enqueued_at = now() WHERE id = \(auditID)", logger: logger)
        } catch {
            logger.warning(
                "audit scan not published yet; the reconciler will retry",
                metadata: ["audit": "\(auditID)", "error": "\(error)"]
            )
        }
    }

    /// Publishes the scans of audits that are PENDING but were never published, or were published
    /// more than `staleAfter` ago and are still PENDING (the message was lost), and whose
    /// `not_before` has passed. Scans are idempotent, so publishing twice is harmless. Returns how many.
    @discardableResult
    public func reconcile(staleAfter: Duration = .seconds(600)) async throws -> Int {
        let seconds = Int(staleAfter.components.seconds)
        let rows = try await postgres.query(
            """
            SELECT id FROM audits
            WHERE status = 'PENDING' AND (not_before IS NULL OR not_before <= now())
              AND (enqueued_at IS NULL OR enqueued_at < now() - make_interval(secs => \(Double(seconds))))
            ORDER BY created_at LIMIT 500
            """,
            logger: logger
        )
        var ids: [UUID] = []
        for try await id in rows.decode(UUID.self) { ids.append(id) }
        for id in ids { await publish(id, notBefore: nil) }
        if !ids.isEmpty { logger.notice("re-published lost audit scans", metadata: ["count": "\(ids.count)"]) }
        return ids.count
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
