import Foundation

/// `emails.send`: delivers one row of the outbox (`MailDelivery`). A 4xx reply or an unreachable
/// server retries with backoff for about an hour and a half at most; a 5xx for the recipient fails
/// the row at once. Written by the change that causes the message, published after its commit.
public struct SendEmailTask: TaskPayload, Equatable {
    public static let declaration = TaskDeclaration(
        name: "emails.send",
        queue: "emails",
        argumentNames: ["email_id"],
        retry: RetryPolicy(maxRetries: 12, base: .seconds(2), cap: .seconds(1_800)),
        timeLimits: TaskTimeLimits(soft: .seconds(120), hard: .seconds(150)),
        ignoresResult: true
    )

    @LowercaseUUID public var emailID: UUID

    public init(emailID: UUID) {
        self.emailID = emailID
    }

    enum CodingKeys: String, CodingKey {
        case emailID = "email_id"
    }

    /// Retries exhausted (or a message that cannot be sent): the row is FAILED with the reason,
    /// so nobody waits for mail that will not come.
    public func recordFailure(_ failure: TaskFailure, using infrastructure: Infrastructure) async throws {
        try await MailDelivery.markFailed(
            emailID,
            reason: failure.message,
            postgres: infrastructure.postgres,
            logger: infrastructure.logger
        )
    }
}
