import Foundation
import Logging
import PostgresNIO

/// Runs the scan of one audit (the `audits.scan` task): discovers the scope, fetches what the
/// checks need through the GitHub client, evaluates every check on every resource, and stores the
/// hashed evidence and the result. Running it again for the same audit replaces its evidence, so
/// the task is safe to deliver more than once.
public struct AuditScanner: Sendable {
    public enum Outcome: Equatable, Sendable {
        case finished(Audit.Status)
        /// The audit had already finished (or was canceled) before this run.
        case alreadyFinished(Audit.Status)
        /// GitHub's primary rate limit ran out: the audit is PENDING until this time and its scan
        /// must be published again for then.
        case rescheduled(Date)
    }

    /// A scan failure that a later attempt may fix (GitHub or the database unreachable).
    public struct TransientFailure: Error, CustomStringConvertible {
        public let description: String
    }

    let postgres: PostgresClient
    let integrations: IntegrationService
    let github: GitHubClient
    let catalogue: [any ComplianceCheck]
    let logger: Logger
    /// Resources evaluated at once; GitHub calls are bounded per credential by the client too.
    let concurrency: Int
    /// How often a running scan refreshes its audit's `heartbeat_at`, by which the reconciler tells
    /// a scan that still runs from one whose worker died. Workers use a quarter of the queue's
    /// visibility timeout.
    let heartbeatInterval: Duration
    /// Where writes to `audits` are announced (nil: nothing caches them).
    let changes: AuditChanges?

    public init(
        postgres: PostgresClient,
        integrations: IntegrationService,
        github: GitHubClient,
        catalogue: [any ComplianceCheck] = CheckCatalogue.all,
        concurrency: Int = 4,
        heartbeatInterval: Duration = .seconds(15),
        changes: AuditChanges? = nil,
        logger: Logger
    ) {
        self.postgres = postgres
        self.integrations = integrations
        self.github = github
        self.catalogue = catalogue
        self.concurrency = concurrency
        self.heartbeatInterval = heartbeatInterval
        self.changes = changes
        self.logger = logger
    }

    public func scan(_ auditID: UUID) async throws -> Outcome {
        guard let audit = try await claim(auditID) else {
            return .alreadyFinished(try await currentStatus(auditID) ?? .error)
        }
        let heartbeat = RecordHeartbeat.start(every: heartbeatInterval, logger: logger) { [postgres, audits] in
            try await postgres.withConnection { connection in try await audits.heartbeat(auditID, on: connection) }
        }
        defer { heartbeat.cancel() }
        var logger = self.logger
        logger[metadataKey: "audit"] = "\(auditID)"
        guard let connected = try await integrations.credential(audit.integrationID, organizationID: audit.organizationID) else {
            return .finished(try await fail(audit, "The GitHub integration of this audit was removed."))
        }
        let (integration, credential) = connected
        let fetcher = ScanFetcher(github: github, credential: credential)
        do {
            let scope = try await discover(audit, integration: integration, fetcher: fetcher)
            let work = plan(audit, scope: scope)
            try await begin(audit, total: work.reduce(0) { $0 + $1.checks.count })
            try await evaluate(work, audit: audit, fetcher: fetcher)
            let status = try await finish(audit)
            let calls = await fetcher.calls
            logger.info("audit scanned", metadata: ["status": "\(status.rawValue)", "github_requests": "\(calls)"])
            return .finished(status)
        } catch let limit as ScanFetcher.RateLimitReached {
            try await postpone(audit, until: limit.retryAt)
            return .rescheduled(limit.retryAt)
        } catch let refusal as ScopeRefusal {
            return .finished(try await fail(audit, refusal.message))
        } catch is Canceled {
            return .alreadyFinished(.canceled)
        }
    }

    // MARK: - Scope

    struct Scope {
        /// The GitHub organization, or nil when the integration acts for a user account.
        let organization: String?
        let account: String
        let repositories: [RepositoryFacts]
    }

    /// A reason the scan cannot run at all (the audit ends in ERROR with it).
    struct ScopeRefusal: Error {
        let message: String
    }

    struct Canceled: Error {}

    private func discover(_ audit: Audit, integration: Integration, fetcher: ScanFetcher) async throws -> Scope {
        if let repository = audit.repository {
            let answer = try await fetcher.answer(CheckRequest("/repos/\(repository)"))
            guard let object = answer.object, let facts = RepositoryFacts(githubJSON: object) else {
                throw try refusal(answer.error, what: "repository \(repository)")
            }
            let organization = integration.accountType == .user && facts.owner == integration.account ? nil : facts.owner
            return Scope(organization: organization, account: facts.owner, repositories: [facts])
        }
        let request: CheckRequest
        var key: String?
        switch integration.accountType {
        case .organization: request = CheckRequest("/orgs/\(integration.account)/repos?type=all", allPages: true)
        case .installation:
            request = CheckRequest("/installation/repositories", allPages: true)
            key = "repositories"
        case .user: request = CheckRequest("/user/repos?affiliation=owner", allPages: true)
        }
        let answer = try await fetcher.answer(request)
        guard let items = answer.items(key: key) else {
            throw try refusal(answer.error, what: "the repositories of \(integration.account)")
        }
        let repositories = items.compactMap(RepositoryFacts.init(githubJSON:)).filter { !$0.archived }
        return Scope(
            organization: integration.accountType == .user ? nil : integration.account,
            account: integration.account,
            repositories: repositories.sorted { $0.fullName.lowercased() < $1.fullName.lowercased() }
        )
    }

    /// Discovery failures: GitHub being unreachable is worth a retry; anything else ends the audit.
    private func refusal(_ error: GitHubError?, what: String) throws -> ScopeRefusal {
        guard let error else { return ScopeRefusal(message: "GitHub's answer for \(what) was not understood.") }
        switch error.kind {
        case .unavailable, .secondaryRateLimited:
            throw TransientFailure(description: "Could not read \(what): \(error.description)")
        case .unauthorized:
            return ScopeRefusal(message: "GitHub rejected the integration's credential (\(error.message)); reconnect GitHub.")
        default:
            return ScopeRefusal(message: "Could not read \(what): \(error.description).")
        }
    }

    // MARK: - Work

    struct Unit {
        let target: CheckTarget
        let checks: [any ComplianceCheck]
    }

    private func plan(_ audit: Audit, scope: Scope) -> [Unit] {
        let selected = audit.checks.isEmpty ? catalogue : catalogue.filter { audit.checks.contains($0.definition.id) }
        let organizationChecks = selected.filter { $0.definition.scope == .organization }
        let repositoryChecks = selected.filter { $0.definition.scope == .repository }
        var units: [Unit] = []
        // Organization checks need an organization: a user account's integration has none to check.
        if !organizationChecks.isEmpty, audit.repository == nil, let organization = scope.organization {
            units.append(Unit(target: CheckTarget(organization: organization), checks: organizationChecks))
        }
        if !repositoryChecks.isEmpty {
            for repository in scope.repositories {
                units.append(
                    Unit(
                        target: CheckTarget(organization: scope.organization ?? repository.owner, repository: repository),
                        checks: repositoryChecks
                    )
                )
            }
        }
        return units
    }

    private func evaluate(_ units: [Unit], audit: Audit, fetcher: ScanFetcher) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            var pending = units[...]
            var running = 0
            while running < concurrency, let unit = pending.popFirst() {
                group.addTask { try await self.evaluate(unit, audit: audit, fetcher: fetcher) }
                running += 1
            }
            while try await group.next() != nil {
                if let unit = pending.popFirst() {
                    group.addTask { try await self.evaluate(unit, audit: audit, fetcher: fetcher) }
                }
            }
        }
    }

    private func evaluate(_ unit: Unit, audit: Audit, fetcher: ScanFetcher) async throws {
        // Cancellation is honoured between resources: "the scan stops at the next check".
        if try await currentStatus(audit.id) == .canceled { throw Canceled() }
        let requests = unit.checks.flatMap { $0.requests(for: unit.target) }
        var answers = try await fetcher.answers(requests)
        let now = Date.now
        // Some requests can only be named from earlier answers (each ruleset, each workflow file).
        let firstRound = CheckInput(target: unit.target, answers: answers, now: now)
        let followUps = unit.checks.map { $0.followUpRequests(firstRound) }
        answers.merge(try await fetcher.answers(followUps.flatMap { $0 })) { first, _ in first }
        let input = CheckInput(target: unit.target, answers: answers, now: now)
        let collectedAt = EvidenceHash.collectionTime(now)
        let rows = zip(unit.checks, followUps).map { check, followUp -> EvidenceTable.NewRow in
            let definition = check.definition
            let verdict = check.evaluate(input)
            let used = check.requests(for: unit.target) + followUp
            let json = EvidenceHash.responsesJSON(
                used.flatMap { answers[$0]?.responses ?? [] },
                limit: min(github.settings.maxResponseBytes, EvidenceHash.largestRowBodies)
            )
            return EvidenceTable.NewRow(
                definition: definition,
                resource: unit.target.resource,
                verdict: verdict,
                responsesJSON: json,
                collectedAt: collectedAt,
                sha256: EvidenceHash.hash(
                    check: definition.id,
                    resource: unit.target.resource,
                    status: verdict.status,
                    sentence: verdict.sentence,
                    responsesJSON: json,
                    collectedAt: collectedAt
                )
            )
        }
        try await store(rows, audit: audit)
        if unit.target.repository != nil {
            await fetcher.forget((requests + followUps.flatMap { $0 }).filter { $0.path.contains(unit.target.resource) })
        }
    }
}
