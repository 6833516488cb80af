import Core
import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import PostgresNIO
import TestSupport
import Testing

@testable import AuditAPI

@Suite("Schedules")
struct ScheduleTests {
    static let logger = Logger(label: "tests.schedules")

    /// The API with its own queue prefix, an admin, and a GitHub integration in the admin's organization.
    static func withSchedules<Value: Sendable>(
        extra: [String: String] = [:],
        _ body: @Sendable (APIClient, AppConfig, Account, UUID) async throws -> Value
    ) async throws -> Value {
        let environment = ["QUEUE_KEY_PREFIX": "test:\(UUID().uuidString.prefix(8)):"].merging(extra) { _, new in new }
        return try await withIdentityAPI(extra: environment) { api, config in
            let admin = try await api.register()
            let integration = try await IdentityFixtures.integration(
                in: try UUID(pathParameter: admin.organizationID),
                token: "ghp_schedules",
                baseURL: config.github.apiURL,
                fernetKeys: config.secrets.fernetKeys,
                database: config.database
            )
            return try await body(api, config, admin, integration)
        }
    }

    static func setSubscription(_ status: String, of account: Account, config: AppConfig) async throws {
        let organization = try UUID(pathParameter: account.organizationID)
        try await TestDatabase.withConnection(config.database) { connection in
            try await connection.query(
                "UPDATE organizations SET subscription_status = \(status) WHERE id = \(organization)",
                logger: logger
            )
        }
    }

    @Test func createReadChangeAndDeleteWithNextRunsInUTC() async throws {
        try await Self.withSchedules { api, _, admin, integration in
            let before = Date()
            let created = try await api.request(
                .post,
                "/api/v1/schedules/",
                json: [
                    "name": "Weekday mornings", "cron": "0 3 * * 1-5", "timezone": "Europe/Berlin", "target": ["repository": "acme/api"],
                ],
                token: admin.access
            )
            #expect(created.status == .created, "\(created.text)")
            let schedule = try created.json()
            let id = try #require(schedule["id"] as? String)
            #expect(created.headers[.location] == "/api/v1/schedules/\(id)/")
            #expect(schedule["name"] as? String == "Weekday mornings")
            #expect(schedule["cron"] as? String == "0 3 * * 1-5")
            #expect(schedule["timezone"] as? String == "Europe/Berlin")
            #expect(schedule["enabled"] as? Bool == true)
            let target = try #require(schedule["target"] as? [String: Any])
            #expect(target["integration"] as? String == integration.apiString, "the first integration by default")
            #expect(target["repository"] as? String == "acme/api")
            for key in ["last_run_at", "last_audit", "last_skip_reason", "last_skipped_at"] {
                #expect(schedule[key] is NSNull, "\(key) is present and null")
            }
            #expect(schedule["created_by"] as? String == admin.userID)
            #expect(ScheduleTestSupport.date(schedule["created_at"]) != nil)

            // next_run_at is UTC and the first weekday 03:00 in Berlin after the request.
            let nextText = try #require(schedule["next_run_at"] as? String)
            #expect(nextText.hasSuffix("Z"))
            let next = try #require(ScheduleTestSupport.date(nextText))
            let berlin = try #require(ScheduleTestSupport.wallClock(nextText, in: "Europe/Berlin"))
            #expect(berlin.hour == 3 && berlin.minute == 0 && (1...5).contains(berlin.weekday))
            #expect(next > before && next <= before.addingTimeInterval(4 * 86_400))

            let path = "/api/v1/schedules/\(id)/"
            func patch(_ body: [String: any Sendable]) async throws -> [String: Any] {
                let response = try await api.request(.patch, path, json: body, token: admin.access)
                #expect(response.status == .ok, "PATCH \(body): \(response.text)")
                return try response.json()
            }
            let renamed = try await patch(["name": "Renamed"])
            #expect(renamed["name"] as? String == "Renamed")
            #expect(renamed["next_run_at"] as? String == nextText, "a new name keeps the next run")

            let recron = try await patch(["cron": "30 6 * * *"])
            let sixThirty = try #require(ScheduleTestSupport.wallClock(recron["next_run_at"], in: "Europe/Berlin"))
            #expect(sixThirty.hour == 6 && sixThirty.minute == 30)

            let rezoned = try await patch(["timezone": "America/New_York"])
            #expect(rezoned["timezone"] as? String == "America/New_York")
            let newYork = try #require(ScheduleTestSupport.wallClock(rezoned["next_run_at"], in: "America/New_York"))
            #expect(newYork.hour == 6 && newYork.minute == 30)
            #expect(rezoned["next_run_at"] as? String != recron["next_run_at"] as? String)

            let disabled = try await patch(["enabled": false])
            #expect(disabled["enabled"] as? Bool == false)
            #expect(disabled["next_run_at"] is NSNull)
            let enabled = try await patch(["enabled": true])
            #expect(ScheduleTestSupport.wallClock(enabled["next_run_at"], in: "America/New_York")?.hour == 6)

            let whole = try await patch(["target": ["repository": NSNull()]])
            #expect(
                (whole["target"] as? [String: Any])?["repository"] is NSNull,
                "a target without a repository audits the whole organization"
            )

            let list = try await api.request(.get, "/api/v1/schedules/", token: admin.access).json()
            #expect(list["count"] as? Int == 1)
            #expect((list["results"] as? [[String: Any]])?.first?["id"] as? String == id)
            #expect(try await api.request(.get, path, token: admin.access).json()["name"] as? String == "Renamed")

            #expect(try await api.request(.delete, path, token: admin.access).status == .noContent)
            #expect(try await api.request(.get, path, token: admin.access).status == .notFound)
            #expect(try await api.request(.get, "/api/v1/schedules/", token: admin.access).json()["count"] as? Int == 0)

            let log = try await api.request(.get, "/api/v1/audit-log/", token: admin.access).json()
            let actions = (log["results"] as? [[String: Any]] ?? []).compactMap { $0["action"] as? String }
            #expect(
                actions.filter { $0.hasPrefix("schedule.") } == ["schedule.deleted"] + Array(repeating: "schedule.updated", count: 6) + [
                    "schedule.created"
                ]
            )
        }
    }

    @Test(
        arguments: [
            (["name": "Bad minute", "cron": "61 * * * *"], ["cron": ["minute: 61 is out of range 0-59."]]),
            (
                ["name": "Bad zone", "cron": "@daily", "timezone": "Mars/Olympus"],
                ["timezone": ["Unknown time zone \"Mars/Olympus\"; use an IANA name such as Europe/Berlin, America/New_York or UTC."]]
            ),
            (
                ["name": "Both", "cron": "* * *", "timezone": "europe/berlin"],
                [
                    "cron": ["Expected 5 fields (minute hour day-of-month month day-of-week), got 3: \"* * *\"."],
                    "timezone": ["Unknown time zone \"europe/berlin\"; did you mean Europe/Berlin?"],
                ]
            ),
            (
                ["name": "Too often", "cron": "*/5 * * * *"],
                ["cron": ["Runs as often as every 5 minutes; schedules may run at most every 15 minutes."]]
            ),
            (
                ["name": "Twice at three", "cron": "0,10 3 * * *", "timezone": "Europe/Berlin"],
                ["cron": ["Runs as often as every 10 minutes; schedules may run at most every 15 minutes."]]
            ),
            (["name": "No cron"], ["cron": ["This field is required."]]),
            (["name": "  ", "cron": "@daily"], ["name": ["This field may not be blank."]]),
            (
                ["name": "Bad repository", "cron": "@daily", "target": ["repository": "not a repository"]],
                ["target.repository": ["Enter a repository as owner/name."]]
            ),
            (
                ["name": "Stranger's integration", "cron": "@daily", "target": ["integration": "6f1c1a4e-2b7d-4c3a-9e1f-0a1b2c3d4e5f"]],
                ["target.integration": ["Unknown integration."]]
            ),
        ] as [([String: any Sendable], [String: [String]])]
    )
    func invalidSchedulesAreRefusedNamingTheField(_ body: [String: any Sendable], _ errors: [String: [String]]) async throws {
        try await Self.withSchedules { api, _, admin, _ in
            let response = try await api.request(.post, "/api/v1/schedules/", json: body, token: admin.access)
            #expect(response.status == .badRequest)
            let answer = try response.json().mapValues { $0 as? [String] ?? [] }
            #expect(answer == errors, "\(response.text)")
            #expect(try await api.request(.get, "/api/v1/schedules/", token: admin.access).json()["count"] as? Int == 0)
        }
    }

    @Test func theMinimumIntervalIsConfigurableAndAnEditIsCheckedToo() async throws {
        try await Self.withSchedules(extra: ["SCHEDULE_MIN_INTERVAL_SECONDS": "3600"]) { api, _, admin, _ in
            let hourly = try await api.request(
                .post,
                "/api/v1/schedules/",
                json: ["name": "Hourly", "cron": "@hourly"],
                token: admin.access
            )
            #expect(hourly.status == .created, "exactly the minimum is allowed: \(hourly.text)")
            let id = try #require(try hourly.json()["id"] as? String)
            let tooOften = try await api.request(.patch, "/api/v1/schedules/\(id)/", json: ["cron": "*/30 * * * *"], token: admin.access)
            #expect(tooOften.status == .badRequest)
            #expect(
                try tooOften.json()["cron"] as? [String] == ["Runs as often as every 30 minutes; schedules may run at most every hour."]
            )
            let garbage = try await api.request(.patch, "/api/v1/schedules/\(id)/", json: ["cron": "nope"], token: admin.access)
            #expect(
                try garbage.json()["cron"] as? [String] == [
                    "Expected 5 fields (minute hour day-of-month month day-of-week), got 1: \"nope\"."
                ]
            )
            let unchanged = try await api.request(.get, "/api/v1/schedules/\(id)/", token: admin.access).json()
            #expect(unchanged["cron"] as? String == "@hourly", "a refused change changes nothing")
        }
    }

    @Test func creatingOrEnablingNeedsTheSubscriptionButManagingDoesNot() async throws {
        try await Self.withSchedules { api, config, admin, _ in
            func create(_ body: [String: any Sendable]) async throws -> TestResponse {
                try await api.request(.post, "/api/v1/schedules/", json: body, token: admin.access)
            }
            let active = try #require(try await create(["name": "Active", "cron": "@daily"]).json()["id"] as? String)
            let paused = try #require(try await create(["name": "Paused", "cron": "@daily", "enabled": false]).json()["id"] as? String)

            try await Self.setSubscription("canceled", of: admin, config: config)
            let refused = try await create(["name": "Another", "cron": "@daily"])
            #expect(refused.status.code == 402)
            #expect(try refused.json()["detail"] as? String == "An active subscription is required.")
            let enabling = try await api.request(.patch, "/api/v1/schedules/\(paused)/", json: ["enabled": true], token: admin.access)
            #expect(enabling.status.code == 402)

            for change in [["name": "Renamed"], ["cron": "@weekly"], ["enabled": true], ["enabled": false]] as [[String: any Sendable]] {
                let response = try await api.request(.patch, "/api/v1/schedules/\(active)/", json: change, token: admin.access)
                #expect(response.status == .ok, "\(change) on an enabled schedule: \(response.text)")
            }
            let reenabling = try await api.request(.patch, "/api/v1/schedules/\(active)/", json: ["enabled": true], token: admin.access)
            #expect(reenabling.status.code == 402, "now disabled, enabling it again is premium")
            #expect(try await api.request(.get, "/api/v1/schedules/", token: admin.access).json()["count"] as? Int == 2)
            #expect(try await api.request(.delete, "/api/v1/schedules/\(paused)/", token: admin.access).status == .noContent)

            try await Self.setSubscription("active", of: admin, config: config)
            #expect(
                try await api.request(.patch, "/api/v1/schedules/\(active)/", json: ["enabled": true], token: admin.access).status == .ok
            )
        }
    }

    @Test func aDueSlotBecomesOneScheduledAuditWithNoRequestingUser() async throws {
        try await Self.withSchedules { api, config, admin, integration in
            let created = try await api.request(
                .post,
                "/api/v1/schedules/",
                json: ["name": "Nightly", "cron": "0 2 * * *", "timezone": "America/New_York", "target": ["repository": "acme/api"]],
                token: admin.access
            )
            let id = try #require(try created.json()["id"] as? String)
            let slot = try #require(ScheduleTestSupport.date(try created.json()["next_run_at"]))

            #expect(try await ScheduleTestSupport.beatTick(config: config, at: slot.addingTimeInterval(-1)).isEmpty, "not due yet")
            let late = slot.addingTimeInterval(30)
            let dispatched = try await ScheduleTestSupport.beatTick(config: config, at: late)
            #expect(dispatched.count == 1)
            #expect(try await ScheduleTestSupport.beatTick(config: config, at: late.addingTimeInterval(1)).isEmpty, "a slot runs once")

            let audits = try await api.request(.get, "/api/v1/audits/?trigger=schedule", token: admin.access).json()
            #expect(audits["count"] as? Int == 1)
            let audit = try #require((audits["results"] as? [[String: Any]])?.first)
            let auditID = try #require(audit["id"] as? String)
            #expect(auditID == dispatched.first)
            #expect(audit["trigger"] as? String == "schedule")
            #expect(audit["requested_by"] is NSNull)
            #expect(audit["status"] as? String == "PENDING")
            #expect(audit["repository"] as? String == "acme/api")
            #expect(audit["integration"] as? String == integration.apiString)
            #expect(try await api.request(.get, "/api/v1/audits/?trigger=manual", token: admin.access).json()["count"] as? Int == 0)

            // Its scan was published to the worker's queue.
            let envelopes = try await withQueueTestKit(database: config.database) { kit in
                let messages = try await kit.redis.send("LRANGE", config.queue.keyPrefix + "scans", 0, -1).array ?? []
                return try messages.compactMap(\.bytes).map { try TaskEnvelope(parsing: $0) }
            }
            #expect(envelopes.map(\.taskName) == ["audits.scan"])
            #expect(try envelopes.first?.body().args.first?.string?.lowercased() == auditID)

            var schedule = try await api.request(.get, "/api/v1/schedules/\(id)/", token: admin.access).json()
            #expect(schedule["last_audit"] as? String == auditID)
            #expect(ScheduleTestSupport.date(schedule["last_run_at"]) == late)
            let following = try #require(ScheduleTestSupport.date(schedule["next_run_at"]))
            #expect(following > late)
            #expect(ScheduleTestSupport.wallClock(schedule["next_run_at"], in: "America/New_York")?.hour == 2)
            #expect(schedule["last_skip_reason"] is NSNull)

            // Without a subscription the slot is skipped, visibly, and the schedule moves on.
            try await Self.setSubscription("unpaid", of: admin, config: config)
            #expect(try await ScheduleTestSupport.beatTick(config: config, at: following.addingTimeInterval(5)).isEmpty)
            schedule = try await api.request(.get, "/api/v1/schedules/\(id)/", token: admin.access).json()
            #expect(schedule["last_skip_reason"] as? String == "subscription_inactive")
            #expect(ScheduleTestSupport.date(schedule["last_skipped_at"]) == following.addingTimeInterval(5))
            #expect(schedule["last_audit"] as? String == auditID)
            let afterSkip = try #require(ScheduleTestSupport.date(schedule["next_run_at"]))
            #expect(afterSkip > following)
            #expect(try await api.request(.get, "/api/v1/audits/", token: admin.access).json()["count"] as? Int == 1)

            // With the subscription back but the integration removed, the slot is skipped for that.
            try await Self.setSubscription("active", of: admin, config: config)
            let removed = try await api.request(.delete, "/api/v1/integrations/\(integration.apiString)/", token: admin.access)
            #expect(removed.status == .noContent)
            #expect(try await ScheduleTestSupport.beatTick(config: config, at: afterSkip).isEmpty)
            schedule = try await api.request(.get, "/api/v1/schedules/\(id)/", token: admin.access).json()
            #expect(schedule["last_skip_reason"] as? String == "no_integration")
            #expect((schedule["target"] as? [String: Any])?["integration"] is NSNull)

            // A disabled schedule is never due.
            _ = try await api.request(.patch, "/api/v1/schedules/\(id)/", json: ["enabled": false], token: admin.access)
            #expect(try await ScheduleTestSupport.beatTick(config: config, at: afterSkip.addingTimeInterval(400 * 86_400)).isEmpty)
        }
    }

    @Test func aScheduleCreatedBeforeGitHubIsConnectedRunsOnceItIs() async throws {
        let environment = ["QUEUE_KEY_PREFIX": "test:\(UUID().uuidString.prefix(8)):"]
        try await withIdentityAPI(extra: environment) { api, config in
            let admin = try await api.register()
            let created = try await api.request(
                .post,
                "/api/v1/schedules/",
                json: ["name": "Early", "cron": "@hourly"],
                token: admin.access
            )
            #expect(created.status == .created, "\(created.text)")
            let body = try created.json()
            let id = try #require(body["id"] as? String)
            #expect((body["target"] as? [String: Any])?["integration"] is NSNull)
            let unknown = try await api.request(
                .post,
                "/api/v1/schedules/",
                json: ["name": "Named", "cron": "@hourly", "target": ["integration": UUID().uuidString]],
                token: admin.access
            )
            #expect(unknown.status == .badRequest)
            #expect(try unknown.json()["target.integration"] as? [String] == ["Unknown integration."])

            let slot = try #require(ScheduleTestSupport.date(body["next_run_at"]))
            #expect(try await ScheduleTestSupport.beatTick(config: config, at: slot).isEmpty)
            var schedule = try await api.request(.get, "/api/v1/schedules/\(id)/", token: admin.access).json()
            #expect(schedule["last_skip_reason"] as? String == "no_integration")

            let integration = try await IdentityFixtures.integration(
                in: try UUID(pathParameter: admin.organizationID),
                token: "ghp_later",
                baseURL: config.github.apiURL,
                fernetKeys: config.secrets.fernetKeys,
                database: config.database
            )
            let following = try #require(ScheduleTestSupport.date(schedule["next_run_at"]))
            let dispatched = try await ScheduleTestSupport.beatTick(config: config, at: following)
            #expect(dispatched.count == 1)
            let audit = try await api.request(.get, "/api/v1/audits/\(try #require(dispatched.first))/", token: admin.access).json()
            #expect(audit["integration"] as? String == integration.apiString)
            schedule = try await api.request(.get, "/api/v1/schedules/\(id)/", token: admin.access).json()
            #expect(schedule["last_skip_reason"] is NSNull)
            #expect((schedule["target"] as? [String: Any])?["integration"] is NSNull, "still whichever integration comes first")
        }
    }

    @Test func topLevelIntegrationAndRepositoryAreShorthandsForTheTarget() async throws {
        try await Self.withSchedules { api, _, admin, integration in
            let created = try await api.request(
                .post,
                "/api/v1/schedules/",
                json: ["name": "Flat", "cron": "@daily", "integration": integration.apiString, "repository": "acme/web"],
                token: admin.access
            )
            #expect(created.status == .created, "\(created.text)")
            let id = try #require(try created.json()["id"] as? String)
            let target = try #require(try created.json()["target"] as? [String: Any])
            #expect(target["integration"] as? String == integration.apiString)
            #expect(target["repository"] as? String == "acme/web")

            let changed = try await api.request(.patch, "/api/v1/schedules/\(id)/", json: ["repository": "acme/api"], token: admin.access)
            #expect((try changed.json()["target"] as? [String: Any])?["repository"] as? String == "acme/api")
            let bad = try await api.request(.patch, "/api/v1/schedules/\(id)/", json: ["repository": "not a repo"], token: admin.access)
            #expect(bad.status == .badRequest)
            #expect(try bad.json()["target.repository"] as? [String] == ["Enter a repository as owner/name."])
        }
    }

    @Test func aScheduledAuditRunsInTheWorker() async throws {
        try await AuditTestBed.run(repositories: 1) { bed in
            let created = try await bed.api.request(
                .post,
                "/api/v1/schedules/",
                json: ["name": "Whole organization", "cron": "@daily", "timezone": "Europe/Berlin"],
                token: bed.admin.access
            )
            #expect(created.status == .created)
            let slot = try #require(ScheduleTestSupport.date(try created.json()["next_run_at"]))
            let dispatched = try await ScheduleTestSupport.beatTick(config: bed.config, at: slot)
            let id = try #require(dispatched.first)
            let finished = try await bed.finished(id)
            #expect(finished["status"] as? String == "FAIL", "org_2fa_required fails in the fake organization: \(finished)")
            #expect(finished["trigger"] as? String == "schedule")
            #expect(finished["requested_by"] is NSNull)
            #expect(finished["repository"] is NSNull)
            #expect((finished["evidence_digest"] as? String)?.count == 64)
        }
    }
}
