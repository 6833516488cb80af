import Foundation
import Logging
import PostgresNIO
import Synchronization
import TestSupport
import Testing

@testable import Core

/// Concurrent `POST audits/start/` are written in groups (`GroupCommit`, `StartWriter`): one
/// statement must decide every start of a group exactly as the same starts one after the other
/// would, and one start's failure must stay its own.
@Suite("Groups of starts")
struct StartGroupTests {
    static let logger = Logger(label: "auditmate.tests.start-groups")

    struct Organizations {
        /// Has an integration and room for two more active audits (quota 3, one PENDING already).
        let roomy: UUID
        /// Has no integration at all.
        let unconnected: UUID
        let user: UUID
        let integration: UUID
    }

    static func request(_ organization: UUID, user: UUID, integration: UUID? = nil, checks: [String] = []) -> AuditTable.StartRequest {
        AuditTable.StartRequest(
            new: AuditTable.NewAudit(
                organizationID: organization,
                integrationID: nil,
                repository: "acme/app",
                checks: checks,
                trigger: .manual,
                requestedBy: user,
                scanTaskID: TaskEnvelope.newID()
            ),
            integration: integration
        )
    }

    static func withOrganizations(_ body: (Infrastructure, Organizations) async throws -> Void) async throws {
        try await TestDatabase.withMigrated { database in
            try await withQueueTestKit(database: database) { queue in
                let config = try TestEnvironment.config(database: database, extra: ["QUEUE_KEY_PREFIX": queue.prefix])
                let roomy = try await IdentityFixtures.organization(database: database)
                let unconnected = try await IdentityFixtures.organization(database: database)
                let user = try await IdentityFixtures.member(in: roomy, role: .admin, database: database)
                let integration = try await IdentityFixtures.integration(
                    in: roomy,
                    token: "ghp_x",
                    baseURL: "http://127.0.0.1:9",
                    fernetKeys: [AppConfig.Defaults.fernetKey],
                    database: database
                )
                _ = try await IdentityFixtures.audit(in: roomy, status: "PENDING", database: database)
                try await Infrastructure.withRunning(config: config, applicationName: "tests", logger: logger) { infrastructure in
                    try await body(
                        infrastructure,
                        Organizations(roomy: roomy, unconnected: unconnected, user: user, integration: integration)
                    )
                }
            }
        }
    }

    @Test func oneStatementDecidesEachStartAsIfTheyCameOneAfterTheOther() async throws {
        try await Self.withOrganizations { infrastructure, orgs in
            let group = [
                Self.request(orgs.roomy, user: orgs.user, checks: ["repo.visibility", "org.two_factor"]),
                Self.request(orgs.unconnected, user: orgs.user),
                Self.request(orgs.roomy, user: orgs.user, integration: UUID()),  // not this organization's
                Self.request(orgs.roomy, user: orgs.user, integration: orgs.integration),
                Self.request(orgs.roomy, user: orgs.user),  // the quota of 3 is reached
                Self.request(orgs.roomy, user: orgs.user),
            ]
            let outcomes = try await infrastructure.postgres.withConnection { connection in
                try await AuditTable(logger: Self.logger).start(group, maxActive: 3, on: connection)
            }
            #expect(outcomes.count == 6)
            guard case .started(let first) = outcomes[0] else {
                Issue.record("\(outcomes[0])")
                return
            }
            #expect(first.id == group[0].new.id && first.integrationID == orgs.integration)
            #expect(first.checks == ["repo.visibility", "org.two_factor"], "the checks keep their order")
            #expect(first.repository == "acme/app" && first.requestedBy == orgs.user && first.status == .pending)
            guard case .noIntegration = outcomes[1] else {
                Issue.record("\(outcomes[1])")
                return
            }
            guard case .noIntegration = outcomes[2] else {
                Issue.record("\(outcomes[2])")
                return
            }
            guard case .started(let fourth) = outcomes[3] else {
                Issue.record("\(outcomes[3])")
                return
            }
            #expect(fourth.id == group[3].new.id)
            guard case .busy(let active) = outcomes[4] else {
                Issue.record("\(outcomes[4])")
                return
            }
            #expect(active == 3)
            guard case .busy(let stillActive) = outcomes[5] else {
                Issue.record("\(outcomes[5])")
                return
            }
            #expect(stillActive == 3, "the refused start ahead of it is not counted as waiting")

            let rows = try await infrastructure.postgres.query(
                "SELECT count(*), max(active) FROM audits, active_audit_counts c WHERE audits.organization_id = \(orgs.roomy) AND c.organization_id = \(orgs.roomy)",
                logger: Self.logger
            )
            for try await (audits, kept) in rows.decode((Int, Int).self) {
                #expect(audits == 3 && kept == 3, "two audits written, and counted")
            }
        }
    }

    @Test func oneStartsFailureIsNotItsNeighbours() async throws {
        try await Self.withOrganizations { infrastructure, orgs in
            let published = Mutex<[String]>([])
            let writer = StartWriter(
                postgres: infrastructure.postgres,
                dispatch: { scans in published.withLock { $0 += scans.map(\.taskID) } },
                maxActiveAudits: 10,
                changes: nil,
                logger: Self.logger
            )
            // A requester that does not exist breaks the foreign key, and with it the group's statement.
            let group = [
                Self.request(orgs.roomy, user: orgs.user),
                Self.request(orgs.roomy, user: UUID()),
                Self.request(orgs.roomy, user: orgs.user),
            ]
            let results = await writer.write(group)
            #expect(results.count == 3)
            guard case .success(.started) = results[0], case .failure = results[1], case .success(.started) = results[2] else {
                Issue.record("\(results)")
                return
            }
            #expect(published.withLock { $0 } == [group[0].new.scanTaskID, group[2].new.scanTaskID].compactMap { $0 })
        }
    }

    @Test func requestsArrivingDuringAWriteGoOutTogetherAndEachGetsItsOwnAnswer() async throws {
        let groups = Mutex<[[Int]]>([])
        let batcher = GroupCommit<Int, Int>(maxGroup: 4) { group in
            groups.withLock { $0.append(group) }
            // The first group takes long enough for the six others to queue up behind it.
            if group == [1] { try? await Task.sleep(for: .seconds(1)) }
            return group.map { $0 < 0 ? .failure(GroupCommitError.noResult) : .success($0 * 10) }
        }
        let first = Task { try await batcher.submit(1) }
        // Wait until the first group is being written, however slowly the machine runs.
        while groups.withLock({ $0.isEmpty }) { try await Task.sleep(for: .milliseconds(5)) }
        let answers = try await withThrowingTaskGroup(of: (Int, Int?).self) { tasks in
            for value in [2, 3, -4, 5, 6, 7] {
                tasks.addTask { (value, try? await batcher.submit(value)) }
            }
            var answers: [Int: Int?] = [:]
            for try await (value, answer) in tasks { answers[value] = answer }
            return answers
        }
        #expect(try await first.value == 10)
        #expect(answers[2] == 20 && answers[7] == 70)
        #expect(answers[-4] == .some(nil), "a failure reaches only its own caller")
        let sizes = groups.withLock { $0.map(\.count) }
        #expect(sizes == [1, 4, 2], "one alone, then the six that waited, at most four at a time: \(sizes)")
    }
}
