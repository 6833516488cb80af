import Foundation

extension ScheduleService {
    /// The fields of `changes` after validation: every problem is collected into one DRF-shaped
    /// error (`{"cron": [...], "timezone": [...]}`) rather than reported one at a time.
    struct Validated {
        var name: String?
        /// Set when the request gives a target; `repository` normalized.
        var target: ScheduleChanges.Target?
        /// Set when creating, or when `cron` or `timezone` change: the schedule to compute runs from.
        var schedule: CronSchedule?
        var cron: String?
        var timezone: String?
    }

    func validate(_ changes: ScheduleChanges, current: Schedule?) throws(ScheduleError) -> Validated {
        var errors: [String: [String]] = [:]
        var validated = Validated()

        if let raw = changes.name {
            let name = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if name.isEmpty {
                errors["name"] = ["This field may not be blank."]
            } else if name.count > 200 {
                errors["name"] = ["Ensure this field has no more than 200 characters."]
            } else {
                validated.name = name
            }
        } else if current == nil {
            errors["name"] = ["This field is required."]
        }

        if let target = changes.target {
            let repository = RepositoryName.parse(target.repository, field: "target.repository", into: &errors)
            validated.target = .init(integration: target.integration, repository: repository?.description)
        }

        let cronText = changes.cron ?? current?.cron
        let zoneName = changes.timezone ?? current?.timezone ?? "UTC"
        if changes.cron != nil || changes.timezone != nil || current == nil {
            var expression: CronExpression?
            var zone: TimeZone?
            if let cronText {
                do throws(CronError) {
                    let parsed = try CronExpression(parsing: cronText)
                    expression = parsed
                    if changes.cron != nil || current == nil { try checkInterval(parsed) }
                } catch {
                    errors["cron"] = error.messages
                }
            } else {
                errors["cron"] = ["This field is required."]
            }
            do throws(CronError) {
                zone = try TimeZone.iana(zoneName)
            } catch {
                errors["timezone"] = error.messages
            }
            if let expression, let zone {
                validated.schedule = CronSchedule(expression: expression, timeZone: zone)
                validated.cron = expression.source
                validated.timezone = zoneName.trimmingCharacters(in: .whitespaces)
            }
        }
        guard errors.isEmpty else { throw .validation(errors) }
        return validated
    }

    /// Refuses expressions whose runs can come closer together than the configured minimum.
    func checkInterval(_ expression: CronExpression) throws(CronError) {
        let minimum = Int(settings.minimumInterval.components.seconds)
        let shortest = expression.shortestInterval
        guard shortest * 60 >= minimum else {
            throw CronError(
                "Runs as often as every \(Self.describe(seconds: shortest * 60)); "
                    + "schedules may run at most every \(Self.describe(seconds: minimum))."
            )
        }
    }

    static func describe(seconds: Int) -> String {
        func count(_ value: Int, _ unit: String) -> String { "\(value) \(unit)\(value == 1 ? "" : "s")" }
        if seconds % 86_400 == 0 { return seconds == 86_400 ? "day" : count(seconds / 86_400, "day") }
        if seconds % 3_600 == 0 { return seconds == 3_600 ? "hour" : count(seconds / 3_600, "hour") }
        if seconds % 60 == 0 { return seconds == 60 ? "minute" : count(seconds / 60, "minute") }
        return count(seconds, "second")
    }
}
