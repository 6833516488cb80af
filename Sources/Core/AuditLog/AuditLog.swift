import Foundation
import Logging
import PostgresNIO

/// The organization's security log: who did what, from where. Rows are only ever appended.
public struct AuditLog: Sendable {
    let postgres: PostgresClient
    let logger: Logger

    public init(postgres: PostgresClient, logger: Logger) {
        self.postgres = postgres
        self.logger = logger
    }

    /// Appends `event` on `connection`, inside the caller's transaction.
    public static func record(_ event: AuditEvent, on connection: PostgresConnection, logger: Logger) async throws {
        let metadata = String(decoding: try JSONEncoder().encode(event.metadata), as: UTF8.self)
        try await connection.query(
            """
            INSERT INTO audit_log (organization_id, actor_id, actor_system, action, target_type, target_id, ip, metadata)
            VALUES (\(event.organizationID), \(event.actorID), \(event.system?.rawValue), \(event.actionName), \(event.targetTypeName),
                    \(event.targetID), \(event.ip), \(metadata)::jsonb)
            """,
            logger: logger
        )
    }

    /// Newest first.
    public func list(organizationID: UUID, page: PageRequest) async throws -> Page<AuditEntry> {
        let rows = try await postgres.query(
            """
            SELECT a.id, a.actor_id, u.email, a.actor_system, a.action, a.target_type, a.target_id, a.ip, a.metadata::text,
                   a.created_at, count(*) OVER ()
            FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id
            WHERE a.organization_id = \(organizationID)
            ORDER BY a.id DESC
            LIMIT \(page.limit) OFFSET \(page.offset)
            """,
            logger: logger
        )
        var entries: [AuditEntry] = []
        var total = 0
        for try await (id, actorID, email, system, action, targetType, targetID, ip, metadata, createdAt, count) in rows.decode(
            (Int, UUID?, String?, String?, String, String, String, String, String, Date, Int).self
        ) {
            let decoded = (try? JSONDecoder().decode([String: String].self, from: Data(metadata.utf8))) ?? [:]
            entries.append(
                AuditEntry(
                    id: id,
                    actorID: actorID,
                    actorEmail: email,
                    system: system.flatMap(SystemActor.init(rawValue:)),
                    action: action,
                    targetType: targetType,
                    targetID: targetID,
                    ip: ip,
                    metadata: decoded,
                    createdAt: createdAt
                )
            )
            total = count
        }
        if entries.isEmpty { total = try await count(organizationID: organizationID) }
        return Page(items: entries, count: total, request: page)
    }

    private func count(organizationID: UUID) async throws -> Int {
        let rows = try await postgres.query("SELECT count(*) FROM audit_log WHERE organization_id = \(organizationID)", logger: logger)
        for try await value in rows.decode(Int.self) { return value }
        return 0
    }
}
