import Foundation
import Logging
import PostgresNIO

/// Every statement on `invitations`. Only a token's SHA-256 is stored, so every lookup by token
/// goes through `SecretToken.digest`.
struct InvitationTable: Sendable {
    let logger: Logger

    struct NewInvitation {
        let organizationID: UUID
        let email: String
        let role: Role
        let token: String
        /// The token only the invitation's mail carries; nil when no mail is sent.
        let mailToken: String?
        let invitedBy: UUID
        let expiresAt: Date
    }

    /// Revokes the address's pending invitations (a newer one replaces them), then stores the new one.
    func replace(with new: NewInvitation, on connection: PostgresConnection) async throws -> Invitation {
        try await connection.query(
            """
            UPDATE invitations SET revoked_at = now()
            WHERE organization_id = \(new.organizationID) AND email = \(new.email)
              AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > now()
            """,
            logger: logger
        )
        let rows = try await connection.query(
            """
            INSERT INTO invitations (organization_id, email, role, token_hash, mail_token_hash, invited_by, expires_at)
            VALUES (\(new.organizationID), \(new.email), \(new.role.rawValue), \(SecretToken.digest(new.token)),
                    \(new.mailToken.map(SecretToken.digest)), \(new.invitedBy), \(new.expiresAt))
            RETURNING \(unescaped: Invitation.columns)
            """,
            logger: logger
        )
        guard let created = try await Invitation.decode(rows).first else { throw NotFound(.invitation) }
        return created
    }

    /// One page of the organization's invitations, newest first, and how many there are.
    func page(organizationID: UUID, _ page: PageRequest, on connection: PostgresConnection) async throws -> Page<Invitation> {
        let rows = try await connection.query(
            """
            SELECT \(unescaped: Invitation.columns) FROM invitations WHERE organization_id = \(organizationID)
            ORDER BY created_at DESC, id LIMIT \(page.limit) OFFSET \(page.offset)
            """,
            logger: logger
        )
        let invitations = try await Invitation.decode(rows)
        let total = try await connection.count("SELECT count(*) FROM invitations WHERE organization_id = \(organizationID)", logger: logger)
        return Page(items: invitations, count: total, request: page)
    }

    /// The organization's invitation `id`, locked until the transaction ends.
    func lock(_ id: UUID, organizationID: UUID, on connection: PostgresConnection) async throws -> Invitation? {
        let rows = try await connection.query(
            """
            SELECT \(unescaped: Invitation.columns)
            FROM invitations WHERE id = \(id) AND organization_id = \(organizationID) FOR UPDATE
            """,
            logger: logger
        )
        return try await Invitation.decode(rows).first
    }

    /// The invitation `token` stands for and its organization, locked until the transaction ends;
    /// `mailed` says the token is the one only its mail carried.
    func lock(token: String, on connection: PostgresConnection) async throws
        -> (organizationID: UUID, invitation: Invitation, mailed: Bool)?
    {
        let digest = SecretToken.digest(token)
        let rows = try await connection.query(
            """
            SELECT organization_id, mail_token_hash IS NOT DISTINCT FROM \(digest) AS mailed, \(unescaped: Invitation.columns)
            FROM invitations WHERE token_hash = \(digest) OR mail_token_hash = \(digest) FOR UPDATE
            """,
            logger: logger
        )
        for try await row in rows {
            let columns = row.makeRandomAccess()
            return (try columns["organization_id"].decode(UUID.self), try Invitation(columns), try columns["mailed"].decode(Bool.self))
        }
        return nil
    }

    func revoke(_ id: UUID, on connection: PostgresConnection) async throws {
        try await connection.query("UPDATE invitations SET revoked_at = now() WHERE id = \(id)", logger: logger)
    }

    func markAccepted(_ id: UUID, on connection: PostgresConnection) async throws {
        try await connection.query("UPDATE invitations SET accepted_at = now() WHERE id = \(id)", logger: logger)
    }

    /// Deletes invitations that expired without being accepted; returns how many.
    func purgeExpired(now: Date, on connection: PostgresConnection) async throws -> Int {
        try await connection.count(
            """
            WITH gone AS (
                DELETE FROM invitations WHERE expires_at < \(now) AND accepted_at IS NULL RETURNING 1
            )
            SELECT count(*) FROM gone
            """,
            logger: logger
        )
    }
}
