import Foundation
import Logging
import PostgresNIO

extension AuditService {
    /// How long a refused start is told to wait before trying again.
    static let busyRetryAfter = 30

    /// `POST audits/start/`: writes the audit (PENDING) with the task id of its scan, then publishes
    /// that message. If Redis cannot take it, the audit still exists and its message is not live,
    /// so the reconciler publishes it later: an accepted audit is never lost. An organization with
    /// `maxActiveAudits` audits waiting or running already is told to come back (`AuditError.busy`).
    /// Concurrent starts are written and published in groups (`StartWriter`).
    public func start(_ principal: Principal, integration: UUID?, repository rawRepository: String?, checks: [String]?) async throws
        -> Audit
    {
        let organizationID = try principal.organization()
        try principal.authorize(.runAudits)
        var errors: [String: [String]] = [:]
        let repository = RepositoryName.parse(rawRepository, field: "repository", into: &errors)
        let selected = Array(Set(checks ?? [])).sorted()
        let unknown = selected.filter { CheckCatalogue.check(id: $0) == nil }
        if !unknown.isEmpty { errors["checks"] = unknown.map { "Unknown check \"\($0)\"." } }
        if !errors.isEmpty { throw AuditError.validation(errors) }

        let request = AuditTable.StartRequest(
            new: AuditTable.NewAudit(
                organizationID: organizationID,
                integrationID: nil,  // picked by the statement
                repository: repository?.description,
                checks: selected,
                trigger: .manual,
                requestedBy: principal.userID,
                scanTaskID: TaskEnvelope.newID()
            ),
            integration: integration
        )
        var outcome = try await starts.submit(request)
        if case .uncounted = outcome {
            try await postgres.transaction(logger: logger) { connection in
                try await table.recountActive(organizationID: organizationID, on: connection)
            }
            outcome = try await starts.submit(request)
        }
        switch outcome {
        case .started(let audit):
            return audit
        case .busy(let active):
            throw AuditError.busy(
                "This organization already has \(active) audits waiting or running, the most it may have at once; "
                    + "start this one when one of them has finished.",
                retryAfter: Self.busyRetryAfter
            )
        case .noIntegration:
            throw AuditError.validation([
                "integration": [integration == nil ? "Connect GitHub first: this organization has no integration." : "Unknown integration."]
            ])
        case .uncounted:
            throw PostgresDecodingError.Code.missingData  // the recount above wrote the row
        }
    }
}

/// Writes a group of starts (`GroupCommit`): one statement and its commit for the whole group
/// (`AuditTable.StartStatement`), then one move of the `AuditChanges` counter and one publish of
/// every scan the group started. Starts are 202s that only queue, so what each one cost is round
/// trips and commits; a group shares them (BENCHMARKS.md, issue 15).
struct StartWriter: Sendable {
    /// The most starts one statement writes: under the benchmark's 32 connections a group holds
    /// about twenty; the bound keeps a burst's statement and publish script short.
    static let maxGroup = 64

    let postgres: PostgresClient
    let dispatch: AuditService.Dispatch
    let maxActiveAudits: Int
    let changes: AuditChanges?
    let logger: Logger

    var table: AuditTable { AuditTable(logger: logger) }
    var cycle: JobCycle { JobCycle.auditScans(logger: logger) }

    func write(_ group: [AuditTable.StartRequest]) async -> [Result<AuditTable.StartOutcome, any Error>] {
        let results = await written(group)
        let started = results.compactMap { result -> Audit? in
            guard case .success(.started(let audit)) = result else { return nil }
            return audit
        }
        guard !started.isEmpty else { return results }
        await changes?.changed()
        // The task ids were stored with the audits already: one statement fewer than `publish`.
        let scans = zip(group, results).compactMap { request, result -> AuditService.ScanMessage? in
            guard case .success(.started(let audit)) = result, let taskID = request.new.scanTaskID else { return nil }
            return AuditService.ScanMessage(auditID: audit.id, taskID: taskID, notBefore: nil)
        }
        await cycle.publish(started.map(\.id)) { try await dispatch(scans) }
        return results
    }

    /// The group's statement. If it fails as a whole and the group has more than one start, each
    /// start is written again on its own, so that one start's failure (its user deleted meanwhile,
    /// say) is its own and never its neighbours'.
    private func written(_ group: [AuditTable.StartRequest]) async -> [Result<AuditTable.StartOutcome, any Error>] {
        do {
            return try await statement(group).map { .success($0) }
        } catch {
            guard group.count > 1 else { return [.failure(error)] }
            logger.notice("a group of starts failed; writing each on its own", metadata: ["starts": "\(group.count)", "error": "\(error)"])
        }
        var results: [Result<AuditTable.StartOutcome, any Error>] = []
        for request in group {
            do {
                results.append(.success(try await statement([request])[0]))
            } catch {
                results.append(.failure(error))
            }
        }
        return results
    }

    private func statement(_ group: [AuditTable.StartRequest]) async throws -> [AuditTable.StartOutcome] {
        try await postgres.withConnection { connection in
            try await table.start(group, maxActive: maxActiveAudits, on: connection)
        }
    }
}
