import Core
import Foundation

/// Tag `schedules`: periodic rescans.
extension APIHandler {
    func listSchedules(_ input: Operations.ListSchedules.Input) async throws -> Operations.ListSchedules.Output {
        let principal = try scope.authenticated()
        let page = try await schedules.list(principal, page: try Pagination.request(input.query.page))
        let links = try Pagination.links(page)
        return .ok(
            .init(body: .json(.init(count: page.count, next: links.next, previous: links.previous, results: page.items.map { .init($0) })))
        )
    }

    func createSchedule(_ input: Operations.CreateSchedule.Input) async throws -> Operations.CreateSchedule.Output {
        let principal = try scope.authenticated()
        guard case .json(let body) = input.body else { throw APIError.malformed }
        let changes = ScheduleChanges(
            name: body.name,
            target: try ScheduleChanges.Target(body.target, integration: body.integration, repository: body.repository),
            cron: body.cron,
            timezone: body.timezone,
            enabled: body.enabled
        )
        let schedule = try await schedules.create(principal, changes, ip: scope.clientIP)
        scope.responseHeaders.add("Location", "/api/v1/schedules/\(schedule.id.apiString)/")
        return .created(.init(body: .json(.init(schedule))))
    }

    func getSchedule(_ input: Operations.GetSchedule.Input) async throws -> Operations.GetSchedule.Output {
        let schedule = try await schedules.schedule(try scope.authenticated(), id: try UUID(pathParameter: input.path.id))
        return .ok(.init(body: .json(.init(schedule))))
    }

    func updateSchedule(_ input: Operations.UpdateSchedule.Input) async throws -> Operations.UpdateSchedule.Output {
        let principal = try scope.authenticated()
        let id = try UUID(pathParameter: input.path.id)
        guard case .json(let body) = input.body else { throw APIError.malformed }
        let changes = ScheduleChanges(
            name: body.name,
            target: try ScheduleChanges.Target(body.target, integration: body.integration, repository: body.repository),
            cron: body.cron,
            timezone: body.timezone,
            enabled: body.enabled
        )
        return .ok(.init(body: .json(.init(try await schedules.update(principal, id: id, changes, ip: scope.clientIP)))))
    }

    func deleteSchedule(_ input: Operations.DeleteSchedule.Input) async throws -> Operations.DeleteSchedule.Output {
        try await schedules.delete(try scope.authenticated(), id: try UUID(pathParameter: input.path.id), ip: scope.clientIP)
        return .noContent(.init())
    }
}
