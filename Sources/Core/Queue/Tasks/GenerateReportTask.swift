import Foundation

/// `reports.generate`: render the PDF of one report row and store it with its SHA-256. Enqueued by
/// the API when a member requests a report, and by the reports reconciler for lost messages.
public struct GenerateReportTask: TaskPayload, Equatable {
    public static let declaration = TaskDeclaration(
        name: "reports.generate",
        queue: "reports",
        argumentNames: ["report_id"],
        retry: RetryPolicy(maxRetries: 3, base: .seconds(5), cap: .seconds(300)),
        timeLimits: TaskTimeLimits(soft: .seconds(300), hard: .seconds(330)),
        ignoresResult: false
    )

    @LowercaseUUID public var reportID: UUID

    public init(reportID: UUID) {
        self.reportID = reportID
    }

    enum CodingKeys: String, CodingKey {
        case reportID = "report_id"
    }

    /// Marks the report ERROR with a readable reason, so nobody waits for a PDF that will not come.
    public func recordFailure(_ failure: TaskFailure, using infrastructure: Infrastructure) async throws {
        try await ReportService.markFailed(
            reportID,
            reason: "Rendering the report failed: \(failure.message)",
            postgres: infrastructure.postgres,
            logger: infrastructure.logger
        )
    }
}
