/// Why a cron expression (or the time zone it is read in) was refused: one sentence per problem,
/// naming the field, ready to show to the person who typed it.
public struct CronError: Error, Equatable, Sendable {
    public let messages: [String]

    public init(_ messages: [String]) {
        self.messages = messages
    }

    init(_ message: String) {
        self.messages = [message]
    }
}
