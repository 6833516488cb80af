import Foundation
import Logging
import PostgresNIO

/// Every statement on `schedules`. The service validates and authorizes; beat's dispatch moves a
/// schedule's slots through `recordRun` and `recordSkip`.
struct ScheduleTable: Sendable {
    let logger: Logger

    struct NewSchedule {
        let organizationID: UUID
        let name: String
        let integrationID: UUID?
        let repository: String?
        let cron: String
        let timezone: String
        let enabled: Bool
        let nextRunAt: Date?
        let createdBy: UUID
    }

    /// What an edit writes: every editable column, as it is after the edit.
    struct Edit {
        let name: String
        let integrationID: UUID?
        let repository: String?
        let cron: String
        let timezone: String
        let enabled: Bool
        let nextRunAt: Date?
    }

    /// Enabled schedules whose next slot has come by `now`, earliest first.
    func due(at now: Date, limit: Int, on connection: PostgresConnection) async throws -> [(id: UUID, slot: Date)] {
        let rows = try await connection.query(
            """
            SELECT id, next_run_at FROM schedules WHERE enabled AND next_run_at <= \(now)
            ORDER BY next_run_at, id LIMIT \(limit)
            """,
            logger: logger
        )
        var due: [(id: UUID, slot: Date)] = []
        for try await (id, slot) in rows.decode((UUID, Date).self) { due.append((id, slot)) }
        return due
    }

    /// One page of the organization's schedules, oldest first, and how many there are.
    func page(organizationID: UUID, _ page: PageRequest, on connection: PostgresConnection) async throws -> Page<Schedule> {
        let rows = try await connection.query(
            """
            SELECT \(unescaped: Schedule.columns) FROM schedules WHERE organization_id = \(organizationID)
            ORDER BY created_at, id LIMIT \(page.limit) OFFSET \(page.offset)
            """,
            logger: logger
        )
        let schedules = try await Schedule.decode(rows)
        let total = try await connection.count("SELECT count(*) FROM schedules WHERE organization_id = \(organizationID)", logger: logger)
        return Page(items: schedules, count: total, request: page)
    }

    /// The organization's schedule `id`, locked for update when `lock` (inside a transaction).
    func find(_ id: UUID, organizationID: UUID, lock: Bool, on connection: PostgresConnection) async throws -> Schedule? {
        let query: PostgresQuery =
            lock
            ? "SELECT \(unescaped: Schedule.columns) FROM schedules WHERE id = \(id) AND organization_id = \(organizationID) FOR UPDATE"
            : "SELECT \(unescaped: Schedule.columns) FROM schedules WHERE id = \(id) AND organization_id = \(organizationID)"
        return try await Schedule.decode(try await connection.query(query, logger: logger)).first
    }

    /// The schedule `id` of any organization, locked: beat reads it in the transaction that claimed
    /// one of its slots.
    func lockForDispatch(_ id: UUID, on connection: PostgresConnection) async throws -> Schedule? {
        let rows = try await connection.query(
            "SELECT \(unescaped: Schedule.columns) FROM schedules WHERE id = \(id) FOR UPDATE",
            logger: logger
        )
        return try await Schedule.decode(rows).first
    }

    func insert(_ new: NewSchedule, on connection: PostgresConnection) async throws -> Schedule {
        let rows = try await connection.query(
            """
            INSERT INTO schedules (organization_id, name, integration_id, repository, cron, timezone, enabled, next_run_at, created_by)
            VALUES (\(new.organizationID), \(new.name), \(new.integrationID), \(new.repository), \(new.cron), \(new.timezone),
                    \(new.enabled), \(new.nextRunAt), \(new.createdBy))
            RETURNING \(unescaped: Schedule.columns)
            """,
            logger: logger
        )
        guard let created = try await Schedule.decode(rows).first else { throw NotFound(.schedule) }
        return created
    }

    func update(_ id: UUID, _ edit: Edit, on connection: PostgresConnection) async throws -> Schedule {
        let rows = try await connection.query(
            """
            UPDATE schedules
            SET name = \(edit.name), integration_id = \(edit.integrationID), repository = \(edit.repository),
                cron = \(edit.cron), timezone = \(edit.timezone), enabled = \(edit.enabled), next_run_at = \(edit.nextRunAt),
                updated_at = now()
            WHERE id = \(id)
            RETURNING \(unescaped: Schedule.columns)
            """,
            logger: logger
        )
        guard let updated = try await Schedule.decode(rows).first else { throw NotFound(.schedule) }
        return updated
    }

    func delete(_ id: UUID, on connection: PostgresConnection) async throws {
        try await connection.query("DELETE FROM schedules WHERE id = \(id)", logger: logger)
    }

    /// Turns off a schedule whose stored cron or time zone no longer parses.
    func disable(_ id: UUID, on connection: PostgresConnection) async throws {
        try await connection.query("UPDATE schedules SET enabled = false, next_run_at = NULL WHERE id = \(id)", logger: logger)
    }

    /// A due slot that was skipped, and the next one.
    func recordSkip(
        _ id: UUID,
        slot: Date,
        reason: Schedule.SkipReason,
        next: Date?,
        now: Date,
        on connection: PostgresConnection
    ) async throws {
        try await connection.query(
            """
            UPDATE schedules SET next_run_at = \(next), last_slot_at = \(slot),
                last_skip_reason = \(reason.rawValue), last_skipped_at = \(now)
            WHERE id = \(id)
            """,
            logger: logger
        )
    }

    /// A due slot that created `auditID`, and the next one.
    func recordRun(_ id: UUID, slot: Date, auditID: UUID, next: Date?, now: Date, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            UPDATE schedules SET next_run_at = \(next), last_slot_at = \(slot), last_run_at = \(now), last_audit_id = \(auditID),
                last_skip_reason = NULL, last_skipped_at = NULL
            WHERE id = \(id)
            """,
            logger: logger
        )
    }
}
