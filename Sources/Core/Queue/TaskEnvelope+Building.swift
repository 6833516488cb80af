import Foundation

extension TaskEnvelope {
    /// What a producer decides about one message besides the task and its arguments.
    public struct Options: Sendable {
        public var queue: String?
        public var id: String
        public var priority: Int
        public var eta: Date?
        public var expires: Date?
        /// `[hard, soft]` limits for this message; nil uses the task's declaration.
        public var timeLimit: TaskTimeLimits?
        public var maxRetries: Int?
        public var parentID: String?
        public var rootID: String?

        public init(
            queue: String? = nil,
            id: String = TaskEnvelope.newID(),
            priority: Int = 0,
            eta: Date? = nil,
            countdown: Duration? = nil,
            expires: Date? = nil,
            timeLimit: TaskTimeLimits? = nil,
            maxRetries: Int? = nil,
            parentID: String? = nil,
            rootID: String? = nil
        ) {
            self.queue = queue
            self.id = id
            self.priority = priority
            if let countdown {
                self.eta = Date().addingTimeInterval(countdown.seconds)
            } else {
                self.eta = eta
            }
            self.expires = expires
            self.timeLimit = timeLimit
            self.maxRetries = maxRetries
            self.parentID = parentID
            self.rootID = rootID
        }
    }

    /// Builds a message the way Celery 5's `apply_async` does (protocol v2, JSON, base64 body), every
    /// header and property present, including `delivery_info`, without which Celery workers crash.
    public static func make(
        task: String,
        body: TaskBody,
        queue: String,
        options: Options,
        ignoreResult: Bool,
        timeLimit: TaskTimeLimits,
        origin: String = TaskEnvelope.origin,
        replyTo: String = TaskEnvelope.processReplyTo
    ) -> TaskEnvelope {
        let bodyJSON: JSONValue = [.array(body.args), .object(body.kwargs), body.embed]
        let headers: [String: JSONValue] = [
            "lang": "py",
            "task": .string(task),
            "id": .string(options.id),
            "shadow": nil,
            "eta": options.eta.map { .string(CeleryTime.format($0)) } ?? nil,
            "expires": options.expires.map { .string(CeleryTime.format($0)) } ?? nil,
            "group": nil,
            "group_index": nil,
            "retries": 0,
            "timelimit": [timeLimit.hard.map { .double($0.seconds) } ?? nil, timeLimit.soft.map { .double($0.seconds) } ?? nil],
            "root_id": .string(options.rootID ?? options.id),
            "parent_id": options.parentID.map(JSONValue.string) ?? nil,
            "argsrepr": .string(PythonRepr.tuple(body.args)),
            "kwargsrepr": .string(PythonRepr.of(.object(body.kwargs))),
            "origin": .string(origin),
            "ignore_result": .bool(ignoreResult),
            "replaced_task_nesting": 0,
            "stamped_headers": nil,
            "stamps": [:],
            // AuditMate's own header (Celery ignores unknown ones): lets workers measure queue latency.
            "sent_at": .double(Date().timeIntervalSince1970),
        ]
        var envelope = TaskEnvelope(json: [
            "body": .string(Data(bodyJSON.jsonBytes).base64EncodedString()),
            "content-encoding": "utf-8",
            "content-type": "application/json",
            "headers": .object(headers),
            "properties": [
                "correlation_id": .string(options.id),
                "reply_to": .string(replyTo),
                "delivery_mode": 2,
                "delivery_info": ["exchange": "", "routing_key": .string(queue)],
                "priority": .int(options.priority),
                "body_encoding": "base64",
                "delivery_tag": .string(newID()),
            ],
        ])
        if let maxRetries = options.maxRetries { envelope.setHeader("max_retries", .int(maxRetries)) }
        return envelope
    }

    /// `gen<pid>@<host>`, as Celery's producers write `headers.origin`.
    public static let origin = "gen\(ProcessInfo.processInfo.processIdentifier)@\(ProcessInfo.processInfo.hostName)"

    /// One id per process, as Celery's `app.oid` (only the rpc:// result backend reads it).
    public static let processReplyTo = newID()
}

extension Duration {
    /// The duration in (fractional) seconds.
    public var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
