import Core
import Foundation

extension Components.Schemas.Audit {
    init(_ audit: Core.Audit) {
        self.init(
            id: audit.id.apiString,
            status: Components.Schemas.AuditStatus(rawValue: audit.status.rawValue)!,
            trigger: TriggerPayload(rawValue: audit.trigger.rawValue)!,
            repository: audit.repository,
            integration: audit.integrationID?.apiString,
            requestedBy: audit.requestedBy?.apiString,
            createdAt: audit.createdAt,
            startedAt: audit.startedAt,
            finishedAt: audit.finishedAt,
            score: audit.score,
            summary: .init(
                passed: audit.summary.passed,
                failed: audit.summary.failed,
                errors: audit.summary.errors,
                notApplicable: audit.summary.notApplicable
            ),
            progress: .init(done: audit.progressDone, total: audit.progressTotal),
            evidenceDigest: audit.evidenceDigest,
            error: audit.error,
            checks: audit.checks,
            pendingReason: audit.pendingReason
        )
    }
}

extension Components.Schemas.Controls {
    init(soc2: [String], iso: [String]) {
        self.init(soc2: soc2, iso27001: iso)
    }
}

extension Components.Schemas.Evidence {
    init(_ evidence: Core.Evidence) {
        let responses = (try? JSONDecoder().decode([Components.Schemas.EvidenceResponse].self, from: Data(evidence.responses.utf8))) ?? []
        self.init(
            id: evidence.id,
            check: evidence.checkID,
            title: CheckCatalogue.check(id: evidence.checkID)?.definition.title ?? evidence.checkID,
            resource: evidence.resource,
            status: Components.Schemas.CheckStatus(rawValue: evidence.status.rawValue)!,
            severity: Components.Schemas.Severity(rawValue: evidence.severity.rawValue)!,
            controls: .init(soc2: evidence.soc2, iso: evidence.iso27001),
            sentence: evidence.sentence,
            responses: responses,
            responsesSize: evidence.responsesSize,
            responsesOmitted: evidence.responsesOmitted,
            collectedAt: evidence.collectedAt,
            sha256: evidence.sha256
        )
    }
}

extension Components.Schemas.Check {
    init(_ definition: CheckDefinition) {
        self.init(
            id: definition.id,
            title: definition.title,
            severity: Components.Schemas.Severity(rawValue: definition.severity.rawValue)!,
            scope: ScopePayload(rawValue: definition.scope.rawValue)!,
            family: definition.family.rawValue,
            rationale: definition.rationale,
            remediation: definition.remediation,
            controls: .init(soc2: definition.controls.soc2, iso: definition.controls.iso27001)
        )
    }
}

extension Components.Schemas.DiffEntry {
    init(_ entry: AuditService.Difference.Entry) {
        self.init(check: entry.check, resource: entry.resource, severity: Components.Schemas.Severity(rawValue: entry.severity.rawValue)!)
    }
}

extension APIError {
    init(_ error: AuditError) {
        switch error {
        case .validation(let fields): self.init(validation: fields)
        case .conflict(let message): self.init(.conflict, detail: message)
        case .busy(let message, let seconds): self.init(.tooManyRequests, detail: message, headers: [.retryAfter: String(seconds)])
        }
    }
}
