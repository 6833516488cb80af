import Core
import Foundation
import HTTPTypes
import OpenAPIRuntime

/// Tag `audits`: starting audits, their results, evidence, progress stream, diff and verification.
extension APIHandler {
    func startAudit(_ input: Operations.StartAudit.Input) async throws -> Operations.StartAudit.Output {
        let principal = try scope.authenticated()
        guard case .json(let body) = input.body else { throw APIError.malformed }
        let integration = try body.integration.map { (text: String) throws -> UUID in
            guard let id = UUID(uuidString: text) else { throw AuditError.validation(["integration": ["Unknown integration."]]) }
            return id
        }
        let audit = try await audits.start(principal, integration: integration, repository: body.repository, checks: body.checks)
        scope.responseHeaders.add("Location", "/api/v1/audits/\(audit.id.apiString)/")
        return .accepted(.init(body: .json(.init(audit))))
    }

    func listAudits(_ input: Operations.ListAudits.Input) async throws -> Operations.ListAudits.Output {
        let principal = try scope.authenticated()
        let filters = AuditService.Filters(
            status: input.query.status.flatMap { Audit.Status(rawValue: $0.rawValue) },
            repository: input.query.repository,
            trigger: input.query.trigger.flatMap { Audit.Trigger(rawValue: $0.rawValue) }
        )
        let page = try await audits.list(principal, filters: filters, page: try Pagination.request(input.query.page))
        let links = try Pagination.links(page)
        return .ok(
            .init(body: .json(.init(count: page.count, next: links.next, previous: links.previous, results: page.items.map { .init($0) })))
        )
    }

    func getAudit(_ input: Operations.GetAudit.Input) async throws -> Operations.GetAudit.Output {
        let audit = try await audits.audit(try scope.authenticated(), id: try UUID(pathParameter: input.path.id))
        return .ok(.init(body: .json(.init(audit))))
    }

    func listEvidence(_ input: Operations.ListEvidence.Input) async throws -> Operations.ListEvidence.Output {
        let principal = try scope.authenticated()
        let filters = AuditService.EvidenceFilters(
            status: input.query.status.flatMap { CheckStatus(rawValue: $0.rawValue) },
            check: input.query.check,
            severity: input.query.severity.flatMap { Severity(rawValue: $0.rawValue) }
        )
        let page = try await audits.evidence(
            principal,
            auditID: try UUID(pathParameter: input.path.id),
            filters: filters,
            page: try Pagination.request(input.query.page)
        )
        let links = try Pagination.links(page)
        return .ok(
            .init(body: .json(.init(count: page.count, next: links.next, previous: links.previous, results: page.items.map { .init($0) })))
        )
    }

    func getEvidence(_ input: Operations.GetEvidence.Input) async throws -> Operations.GetEvidence.Output {
        let evidence = try await audits.evidence(
            try scope.authenticated(),
            auditID: try UUID(pathParameter: input.path.id),
            id: input.path.evidenceId
        )
        return .ok(.init(body: .json(.init(evidence))))
    }

    func cancelAudit(_ input: Operations.CancelAudit.Input) async throws -> Operations.CancelAudit.Output {
        let audit = try await audits.cancel(try scope.authenticated(), id: try UUID(pathParameter: input.path.id))
        return .ok(.init(body: .json(.init(audit))))
    }

    func diffAudit(_ input: Operations.DiffAudit.Input) async throws -> Operations.DiffAudit.Output {
        let principal = try scope.authenticated()
        let against = try input.query.against.map { try UUID(pathParameter: $0) }
        let difference = try await audits.diff(principal, auditID: try UUID(pathParameter: input.path.id), against: against)
        return .ok(
            .init(
                body: .json(
                    .init(
                        audit: difference.audit.apiString,
                        against: difference.against.apiString,
                        newlyFailing: difference.newlyFailing.map { .init($0) },
                        fixed: difference.fixed.map { .init($0) },
                        stillFailing: difference.stillFailing.map { .init($0) }
                    )
                )
            )
        )
    }

    func verifyAudit(_ input: Operations.VerifyAudit.Input) async throws -> Operations.VerifyAudit.Output {
        let verification = try await audits.verify(try scope.authenticated(), auditID: try UUID(pathParameter: input.path.id))
        return .ok(
            .init(
                body: .json(
                    .init(
                        valid: verification.valid,
                        evidenceChecked: verification.evidenceChecked,
                        mismatches: verification.mismatches.map { .init(id: $0.id, check: $0.check, resource: $0.resource) },
                        digestValid: verification.digestValid
                    )
                )
            )
        )
    }

    func streamAuditEvents(_ input: Operations.StreamAuditEvents.Input) async throws -> Operations.StreamAuditEvents.Output {
        let principal = try scope.authenticated()
        let id = try UUID(pathParameter: input.path.id)
        let first = try await audits.audit(principal, id: id)  // 404 before the stream starts
        guard let slot = await eventStreamSlots.acquire(principal.userID) else {
            throw APIError(
                .tooManyRequests,
                detail: "Too many event streams are open for this user; close one and try again.",
                headers: [.retryAfter: "30"]
            )
        }
        let stream = AuditEventStream(
            audits: audits,
            hub: auditEvents,
            identity: identity,
            slots: eventStreamSlots,
            slot: slot,
            principal: principal,
            first: first
        ).bytes()
        return .ok(.init(body: .textEventStream(HTTPBody(stream, length: .unknown, iterationBehavior: .single))))
    }
}

/// Tag `checks`: the catalogue.
extension APIHandler {
    func listChecks(_ input: Operations.ListChecks.Input) async throws -> Operations.ListChecks.Output {
        _ = try scope.authenticated()
        let request = try Pagination.request(input.query.page)
        let all = CheckCatalogue.all.map(\.definition)
        let page = Page(items: Array(all.dropFirst(request.offset).prefix(request.limit)), count: all.count, request: request)
        let links = try Pagination.links(page)
        return .ok(
            .init(body: .json(.init(count: page.count, next: links.next, previous: links.previous, results: page.items.map { .init($0) })))
        )
    }
}
