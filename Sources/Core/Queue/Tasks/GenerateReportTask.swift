import Foundation

/// `reports.generate`: render and sign the PDF report of one report row.
public struct GenerateReportTask: TaskPayload, Equatable {
    public static let declaration = TaskDeclaration(
        name: "reports.generate",
        queue: "reports",
        argumentNames: ["report_id"],
        retry: RetryPolicy(maxRetries: 3, base: .seconds(5), cap: .seconds(300)),
        timeLimits: TaskTimeLimits(soft: .seconds(300), hard: .seconds(330)),
        ignoresResult: false
    )

    public var reportID: UUID

    public init(reportID: UUID) {
        self.reportID = reportID
    }

    enum CodingKeys: String, CodingKey {
        case reportID = "report_id"
    }

    /// Marks the report ERROR once the reports domain exists; until then the dead-letter entry is the
    /// record of the failure.
    public func recordFailure(_ failure: TaskFailure, using infrastructure: Infrastructure) async throws {}
}
