import Core
import Foundation
import Testing

@Suite("Celery envelope")
struct TaskEnvelopeTests {
    let producer = TaskProducer(
        broker: QueueBroker(redis: RedisClient(settings: RedisSettings(host: "127.0.0.1"), logger: .init(label: "t")), settings: .init())
    )

    @Test func producedMessageHasEveryHeaderAndPropertyCeleryNeeds() throws {
        let auditID = UUID()
        let envelope = try producer.envelope(ScanAuditTask(auditID: auditID), options: .init(priority: 7, countdown: .seconds(10)))
        let json = try JSONValue(parsing: envelope.bytes)
        #expect(json["content-type"] == "application/json")
        #expect(json["content-encoding"] == "utf-8")
        let headers = try #require(json["headers"]?.object)
        for name in [
            "lang", "task", "id", "root_id", "parent_id", "group", "group_index", "retries", "eta", "expires", "timelimit",
            "argsrepr", "kwargsrepr", "origin", "ignore_result", "shadow",
        ] {
            #expect(headers[name] != nil, "missing header \(name)")
        }
        #expect(headers["task"] == "audits.scan")
        #expect(headers["root_id"] == headers["id"])
        #expect(headers["timelimit"] == [1_860.0, 1_800.0])
        #expect(headers["argsrepr"] == .string("('\(auditID.uuidString.lowercased())',)"), "ids as Python's str(uuid) writes them")
        let eta = try #require(envelope.eta)
        #expect(abs(eta.timeIntervalSinceNow - 10) < 2)
        let properties = try #require(json["properties"]?.object)
        #expect(properties["correlation_id"] == headers["id"])
        #expect(properties["delivery_info"] == ["exchange": "", "routing_key": "scans"])
        #expect(properties["body_encoding"] == "base64")
        #expect(properties["priority"] == 7)
        #expect(properties["delivery_tag"]?.string?.count == 36)
        let body = try envelope.body()
        #expect(body.args == [.string(auditID.uuidString.lowercased())])
        #expect(body.kwargs.isEmpty)
        #expect(body.embed == TaskBody.emptyEmbed)
        #expect(try ScanAuditTask(body: body) == ScanAuditTask(auditID: auditID))
    }

    @Test func decodesTheCapturedCeleryMessage() throws {
        // The message captured from Celery 5.7 (reference/celery-wire-format.md section 1).
        let captured = """
            {"body": "W1syLCAzXSwge30sIHsiY2FsbGJhY2tzIjogbnVsbCwgImVycmJhY2tzIjogbnVsbCwgImNoYWluIjogbnVsbCwgImNob3JkIjogbnVsbH1d",
             "content-encoding": "utf-8", "content-type": "application/json",
             "headers": {"lang": "py", "task": "proj.add", "id": "5a1c7b0e-0000-4000-8000-000000000001", "shadow": "add-shadowed",
               "eta": "2026-11-24T18:39:23.145510+00:00", "expires": "2026-11-24T18:40:13.145510+00:00", "group": null,
               "group_index": null, "retries": 0, "timelimit": [30, 20], "root_id": "5a1c7b0e-0000-4000-8000-000000000001",
               "parent_id": null, "argsrepr": "(2, 3)", "kwargsrepr": "{}", "origin": "gen1@host", "ignore_result": false,
               "replaced_task_nesting": 0, "stamped_headers": null, "stamps": {}},
             "properties": {"correlation_id": "5a1c7b0e-0000-4000-8000-000000000001", "reply_to": "f22603b8-9c81-3a6d-a5e9-d6ced43733ce",
               "delivery_mode": 2, "expiration": "60000", "delivery_info": {"exchange": "", "routing_key": "celery"}, "priority": 7,
               "body_encoding": "base64", "delivery_tag": "cba28620-084f-4b7a-9a82-48161b8d51e5"}}
            """
        let envelope = try TaskEnvelope(parsing: Array(captured.utf8))
        #expect(envelope.taskName == "proj.add")
        #expect(envelope.timeLimit.hard == 30)
        #expect(envelope.timeLimit.soft == 20)
        #expect(envelope.eta == CeleryTime.parse("2026-11-24T18:39:23.145510Z"))
        #expect(CeleryTime.format(try #require(envelope.eta)) == "2026-11-24T18:39:23.145510+00:00")
        #expect(try envelope.body().args == [2, 3])
        #expect(envelope.deliveryTag == "cba28620-084f-4b7a-9a82-48161b8d51e5")
        let retry = envelope.retry(eta: Date(timeIntervalSince1970: 0))
        #expect(retry.retries == 1)
        #expect(retry.parentID == envelope.id)
        #expect(retry.id == envelope.id)
        #expect(retry.deliveryTag != envelope.deliveryTag)
        #expect(retry.headers["eta"] == "1970-01-01T00:00:00.000000+00:00")
    }

    @Test func rejectsWhatItCannotRunWithAClearReason() {
        #expect(throws: TaskMessageError.unsupportedContentType("application/x-python-serialize")) {
            try TaskEnvelope(
                parsing: Array(
                    #"{"body": "x", "content-type": "application/x-python-serialize", "headers": {"task": "a", "id": "1"}, "properties": {}}"#
                        .utf8
                )
            )
        }
        #expect(throws: TaskMessageError.protocolVersion1) {
            try TaskEnvelope(parsing: Array(#"{"body": "x", "headers": {}, "properties": {}}"#.utf8))
        }
        #expect(throws: TaskMessageError.self) { try TaskEnvelope(parsing: Array("not json".utf8)) }
    }

    @Test func kombuTaggedValuesBecomePlainJSON() throws {
        let tagged = try JSONValue(
            parsing:
                #"[{"__type__": "datetime", "__value__": "2030-01-01T00:00:00+00:00"}, {"__type__": "uuid", "__value__": {"hex": "5A1C7B0E000040008000000000000001"}}, {"nested": {"__type__": "decimal", "__value__": "1.50"}}]"#
        )
        #expect(KombuJSON.untagged(tagged) == ["2030-01-01T00:00:00+00:00", "5a1c7b0e-0000-4000-8000-000000000001", ["nested": "1.50"]])
    }

    @Test func jsonRoundTripsNumbersStringsAndEscapes() throws {
        let text = #"{"a": [1, -2, 3.5, 1e-05, true, null], "s": "é\n\"\u0001\ud83d\ude00", "f": 2.0}"#
        let value = try JSONValue(parsing: text)
        #expect(value["a"] == [1, -2, 3.5, 0.00001, true, nil])
        #expect(value["s"] == "é\n\"\u{01}😀")
        #expect(value["f"] == .double(2.0))
        #expect(try JSONValue(parsing: value.jsonText) == value)
        #expect(value["f"]?.jsonText == "2.0")
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: "[1,]") }
    }

    @Test func priorityListsFollowKombu() {
        let keys = QueueKeys(prefix: "p:")
        #expect(keys.list(queue: "scans", priority: 0) == "p:scans")
        #expect(keys.list(queue: "scans", priority: 2) == "p:scans")
        #expect(keys.list(queue: "scans", priority: 7) == "p:scans\u{06}\u{16}6")
        #expect(keys.list(queue: "scans", priority: 9) == "p:scans\u{06}\u{16}9")
        #expect(keys.queue(ofList: "p:scans\u{06}\u{16}3") == "scans")
    }

    @Test func backoffIsExponentialCappedAndJittered() {
        let policy = RetryPolicy(maxRetries: 5, base: .seconds(1), cap: .seconds(10))
        #expect(policy.ceiling(afterRetries: 0) == .seconds(1))
        #expect(policy.ceiling(afterRetries: 2) == .seconds(4))
        #expect(policy.ceiling(afterRetries: 10) == .seconds(10))
        let delays = (0..<200).map { _ in policy.delay(afterRetries: 3) }
        #expect(delays.allSatisfy { $0 >= .zero && $0 <= .seconds(8) })
        #expect(Set(delays).count > 20, "full jitter spreads the delays")
    }

    @Test func payloadsDecodeFromPositionalOrKeywordArgumentsAndRejectMisfits() throws {
        let id = UUID()
        #expect(try ScanAuditTask(body: TaskBody(args: [.string(id.uuidString)])) == ScanAuditTask(auditID: id))
        #expect(
            try ScanAuditTask(body: TaskBody(args: [], kwargs: ["audit_id": .string(id.uuidString.lowercased())]))
                == ScanAuditTask(auditID: id)
        )
        #expect(throws: TaskMessageError.self) { try ScanAuditTask(body: TaskBody(args: [])) }
        #expect(throws: TaskMessageError.self) { try ScanAuditTask(body: TaskBody(args: ["not-a-uuid"])) }
        #expect(throws: TaskMessageError.self) { try ScanAuditTask(body: TaskBody(args: [.string(id.uuidString), 2])) }
        #expect(try PingTask().body().args.isEmpty)
    }
}
