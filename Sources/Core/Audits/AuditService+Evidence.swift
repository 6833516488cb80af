import Foundation
import PostgresNIO

extension AuditService {
    public struct EvidenceFilters: Sendable {
        public var status: CheckStatus?
        public var check: String?
        public var severity: Severity?

        public init(status: CheckStatus? = nil, check: String? = nil, severity: Severity? = nil) {
            self.status = status
            self.check = check
            self.severity = severity
        }
    }

    var evidenceTable: EvidenceTable { EvidenceTable(logger: logger) }

    /// `GET audits/{id}/evidence/`, in (check, resource) order. Rows whose answers exceed
    /// `Evidence.listedResponsesLimit` come without them (`responsesOmitted`): `evidence(_:auditID:id:)`
    /// reads such a row alone. Rows are decoded as they arrive, never the whole result at once.
    public func evidence(_ principal: Principal, auditID: UUID, filters: EvidenceFilters, page: PageRequest) async throws -> Page<Evidence>
    {
        let organizationID = try principal.organization()
        _ = try await find(auditID, organizationID: organizationID)
        try principal.authorize(.read)
        return try await postgres.withConnection { connection in
            try await evidenceTable.page(
                of: auditID,
                filters: filters,
                page: page,
                answers: .omittingOver(bytes: Evidence.listedResponsesLimit),
                on: connection
            )
        }
    }

    /// `GET audits/{id}/evidence/{evidence_id}/`: one row with all its stored answers.
    public func evidence(_ principal: Principal, auditID: UUID, id: Int) async throws -> Evidence {
        let organizationID = try principal.organization()
        _ = try await find(auditID, organizationID: organizationID)
        try principal.authorize(.read)
        let row = try await postgres.withConnection { connection in try await evidenceTable.row(id, of: auditID, on: connection) }
        guard let row else { throw NotFound(.evidence) }
        return row
    }

    public struct Verification: Sendable {
        public let valid: Bool
        public let evidenceChecked: Int
        /// Evidence rows whose stored hash no longer matches their content.
        public let mismatches: [(id: Int, check: String, resource: String)]
        /// Whether the audit's digest matches the stored hashes.
        public let digestValid: Bool
    }

    /// `GET audits/{id}/verify/`: recomputes every evidence hash from the stored fields, and the
    /// audit's digest from the hashes.
    public func verify(_ principal: Principal, auditID: UUID) async throws -> Verification {
        let organizationID = try principal.organization()
        let audit = try await find(auditID, organizationID: organizationID)
        try principal.authorize(.read)
        var mismatches: [(Int, String, String)] = []
        var hashes: [(check: String, resource: String, sha256: String)] = []
        var checked = 0
        // Streamed: one row (at most one check's answers) in memory at a time, however large the audit.
        try await postgres.withConnection { connection in
            try await evidenceTable.forEach(of: auditID, answers: .whole, on: connection) { evidence in
                checked += 1
                let recomputed = EvidenceHash.hash(
                    check: evidence.checkID,
                    resource: evidence.resource,
                    status: evidence.status,
                    sentence: evidence.sentence,
                    responsesJSON: evidence.responses,
                    collectedAt: evidence.collectedAt
                )
                // An unknown status string cannot have been written by a scan: it was edited.
                if recomputed != evidence.sha256 || CheckStatus(rawValue: evidence.storedStatus) == nil {
                    mismatches.append((evidence.id, evidence.checkID, evidence.resource))
                }
                hashes.append((evidence.checkID, evidence.resource, evidence.sha256))
            }
        }
        let digestValid = audit.evidenceDigest.map { $0 == EvidenceHash.digest(hashes) } ?? !audit.status.isFinished
        mismatches.sort { $0.0 < $1.0 }
        return Verification(
            valid: mismatches.isEmpty && digestValid,
            evidenceChecked: checked,
            mismatches: mismatches,
            digestValid: digestValid
        )
    }

    public struct Difference: Sendable {
        public struct Entry: Sendable, Equatable {
            public let check: String
            public let resource: String
            public let severity: Severity
        }

        public let audit: UUID
        public let against: UUID
        public let newlyFailing: [Entry]
        public let fixed: [Entry]
        public let stillFailing: [Entry]
    }

    /// `GET audits/{id}/diff/`: what changed between `against` (by default the previous finished audit
    /// of the same scope) and this audit, by check and resource.
    public func diff(_ principal: Principal, auditID: UUID, against: UUID?) async throws -> Difference {
        let organizationID = try principal.organization()
        let audit = try await find(auditID, organizationID: organizationID)
        try principal.authorize(.read)
        let baselineID: UUID
        if let against {
            baselineID = try await find(against, organizationID: organizationID).id
        } else {
            let previous = try await postgres.withConnection { connection in try await table.previousResult(before: audit, on: connection) }
            guard let found = previous else {
                throw AuditError.conflict("There is no earlier finished audit of the same scope to compare with; pass ?against=<audit id>.")
            }
            baselineID = found
        }
        let current = try await statuses(of: auditID)
        let baseline = try await statuses(of: baselineID)
        var newlyFailing: [Difference.Entry] = []
        var fixed: [Difference.Entry] = []
        var stillFailing: [Difference.Entry] = []
        for key in Set(current.keys).union(baseline.keys).sorted(by: {
            EvidenceHash.ordered(($0.check, $0.resource), ($1.check, $1.resource))
        }) {
            let now = current[key]
            let before = baseline[key]
            let severity = now?.severity ?? before?.severity ?? .low
            let entry = Difference.Entry(check: key.check, resource: key.resource, severity: severity)
            switch (before?.status, now?.status) {
            case (.fail?, .fail?): stillFailing.append(entry)
            case (.fail?, .pass?): fixed.append(entry)
            case (let was, .fail?) where was != .fail: newlyFailing.append(entry)
            default: break
            }
        }
        return Difference(audit: auditID, against: baselineID, newlyFailing: newlyFailing, fixed: fixed, stillFailing: stillFailing)
    }

    struct EvidenceKey: Hashable {
        let check: String
        let resource: String
    }

    private func statuses(of auditID: UUID) async throws -> [EvidenceKey: (status: CheckStatus, severity: Severity)] {
        var result: [EvidenceKey: (CheckStatus, Severity)] = [:]
        try await postgres.withConnection { connection in
            try await evidenceTable.forEach(of: auditID, answers: .none, on: connection) { row in
                result[EvidenceKey(check: row.checkID, resource: row.resource)] = (row.status, row.severity)
            }
        }
        return result
    }
}
