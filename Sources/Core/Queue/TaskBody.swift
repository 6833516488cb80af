/// A message body: positional and keyword arguments, and Celery's workflow options (callbacks,
/// errbacks, chain, chord), which this engine carries but does not act on.
public struct TaskBody: Sendable, Equatable {
    public var args: [JSONValue]
    public var kwargs: [String: JSONValue]
    public var embed: JSONValue

    public init(args: [JSONValue], kwargs: [String: JSONValue] = [:], embed: JSONValue = TaskBody.emptyEmbed) {
        self.args = args
        self.kwargs = kwargs
        self.embed = embed
    }

    public static let emptyEmbed: JSONValue = ["callbacks": nil, "errbacks": nil, "chain": nil, "chord": nil]
}
