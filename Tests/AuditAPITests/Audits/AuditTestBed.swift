import Core
import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import TestSupport

@testable import AuditAPI

/// An API, a fake GitHub organization `acme`, a connected integration and (when asked) a real
/// `AuditWorker` process consuming the `scans` and `reports` queues, all on one test database and
/// one private queue prefix.
struct AuditTestBed: Sendable {
    let api: APIClient
    let config: AppConfig
    let github: FakeGitHub
    let queue: QueueTestKit
    let admin: Account
    /// What a worker for this bed runs with.
    let workerEnvironment: [String: String]

    static let token = "ghp_auditTestBed"

    /// Runs `body` with everything started; the worker runs when `worker` is true.
    static func run<Value: Sendable>(
        repositories: Int = 3,
        worker: Bool = true,
        organization: String? = nil,
        _ body: @Sendable (AuditTestBed) async throws -> Value
    ) async throws -> Value {
        let github = try await FakeGitHub()
        defer { github.shutdown() }
        github.configure { world in
            world.grants[token] = .init(login: "octocat", scopes: ["repo", "read:org", "admin:org"])
            GitHubOrganizationFixture.populate(&world, login: "acme", repositories: max(1, repositories), archived: 1)
        }
        return try await TestDatabase.withMigrated { database in
            return try await withQueueTestKit(database: database) { queue in
                let environment = [
                    "GITHUB_API_URL": github.apiURL, "GITHUB_WEB_URL": github.webURL, "QUEUE_KEY_PREFIX": queue.prefix,
                    "TRUSTED_PROXIES": "127.0.0.1/8,::1",
                ]
                let workerEnvironment = queue.environment.merging(environment) { _, new in new }
                let workerProcess = worker ? try await startWorker(environment: workerEnvironment, queue: queue) : nil
                return try await withCleanup {
                    try await withAPI(extra: environment, database: database) { client, config in
                        let api = APIClient(client)
                        let admin =
                            if let organization { try await api.register(organization: organization) } else { try await api.register() }
                        let connected = try await api.request(
                            .post,
                            "/api/v1/integrations/github/",
                            json: ["token": token, "organization": "acme"],
                            token: admin.access
                        )
                        guard connected.status == .created else {
                            throw TestFailure("connect answered \(connected.status): \(connected.text)")
                        }
                        return try await body(
                            AuditTestBed(
                                api: api,
                                config: config,
                                github: github,
                                queue: queue,
                                admin: admin,
                                workerEnvironment: workerEnvironment
                            )
                        )
                    }
                } cleanup: {
                    await workerProcess?.terminate()
                }
            }
        }
    }

    /// A real `AuditWorker` consuming `queues` (`scans` and `reports` unless told), once it is consuming.
    static func startWorker(environment: [String: String], queue: QueueTestKit, queues: String = "scans,reports") async throws
        -> ChildProcess
    {
        let process = try ChildProcess(
            TestEnvironment.binDirectory.appendingPathComponent("AuditWorker"),
            arguments: ["worker", "--queues", queues, "--concurrency", "2"],
            environment: environment
        )
        do {
            try await queue.waitUntilConsuming(process)
        } catch {
            await process.terminate()
            throw error
        }
        return process
    }

    /// Runs `body` with a worker started for it (for a bed made with `worker: false`, once the
    /// state the worker should find is in place).
    func withWorker<Value: Sendable>(_ body: () async throws -> Value) async throws -> Value {
        try await withChildProcess(try await Self.startWorker(environment: workerEnvironment, queue: queue)) { _ in
            try await body()
        }
    }

    func start(_ body: [String: any Sendable] = [:], token: String? = nil) async throws -> TestResponse {
        try await api.request(.post, "/api/v1/audits/start/", json: body, token: token ?? admin.access)
    }

    func audit(_ id: String) async throws -> [String: Any] {
        try await api.request(.get, "/api/v1/audits/\(id)/", token: admin.access).json()
    }

    /// Waits until the audit has finished and returns it.
    func finished(_ id: String, timeout: Duration = .seconds(60)) async throws -> [String: Any] {
        var latest: [String: Any] = [:]
        try await eventually(timeout: timeout, "audit \(id) did not finish: \(latest)") {
            latest = try await audit(id)
            return ["PASS", "FAIL", "ERROR", "CANCELED"].contains(latest["status"] as? String ?? "")
        }
        return latest
    }

    func evidence(_ id: String, query: String = "") async throws -> [[String: Any]] {
        var results: [[String: Any]] = []
        var page = 1
        while true {
            let separator = query.isEmpty ? "" : "&"
            let response = try await api.request(
                .get,
                "/api/v1/audits/\(id)/evidence/?page=\(page)\(separator)\(query)",
                token: admin.access
            )
            let body = try response.json()
            results += body["results"] as? [[String: Any]] ?? []
            guard body["next"] is String else { return results }
            page += 1
        }
    }
}
