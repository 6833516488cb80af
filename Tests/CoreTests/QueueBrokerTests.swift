import Core
import Foundation
import TestSupport
import Testing

@Suite("Queue broker on Redis")
struct QueueBrokerTests {
    func withKit(visibilityTimeout: Int = 60, _ body: (QueueTestKit) async throws -> Void) async throws {
        try await withQueueTestKit(database: TestEnvironment.adminDatabase, visibilityTimeout: visibilityTimeout, body)
    }

    func ping(_ kit: QueueTestKit, queue: String = "q", priority: Int = 0) throws -> TaskEnvelope {
        try kit.producer.envelope(PingTask(), options: .init(queue: queue, priority: priority))
    }

    @Test func fetchRecordsKombuBookkeepingInTheSameStepAndAckClearsIt() async throws {
        try await withKit { kit in
            let first = try ping(kit)
            let second = try ping(kit)
            let urgent = try ping(kit, priority: 0)
            let low = try ping(kit, priority: 9)
            try await kit.broker.publish([low, first, second, urgent])
            let deliveries = try await kit.broker.fetch(queues: ["q"], count: 10, leaseBase: "w/1")
            // Step 0 first, FIFO inside it; the priority-9 list last.
            let fetched = try deliveries.map { try TaskEnvelope(parsing: $0.raw).deliveryTag }
            #expect(fetched == [first, second, urgent, low].map(\.deliveryTag))
            #expect(Set(deliveries.map(\.tag)).count == 4, "every delivery has a tag of its own")
            let keys = kit.broker.keys
            let stored = try #require(try await kit.redis.send("HGET", keys.unacked, deliveries[0].tag).bytes)
            let entry = try JSONValue(parsing: stored)
            #expect(entry.array?.count == 3)
            #expect(entry.array?[1] == "")
            #expect(entry.array?[2] == "q")
            #expect(entry.array?[0] == (try JSONValue(parsing: first.bytes)))
            let score = try #require(try await kit.redis.send("ZSCORE", keys.unackedIndex, deliveries[0].tag).string.flatMap(Double.init))
            #expect(abs(score - Date().timeIntervalSince1970) < 5)
            #expect(try await kit.broker.ack(Array(deliveries.prefix(3))) == [true, true, true])
            #expect(try await kit.redis.send("HLEN", keys.unacked).int == 1)
            #expect(try await kit.redis.send("ZCARD", keys.unackedIndex).int == 1)
        }
    }

    @Test func expiredLeasesAreRestoredToTheFrontAndTheOldOwnerCannotAck() async throws {
        try await withKit(visibilityTimeout: 2) { kit in
            let message = try ping(kit)
            try await kit.broker.publish(message)
            let held = try #require(try await kit.broker.fetch(queues: ["q"], count: 1, leaseBase: "dead/1").first)
            let renewed = try ping(kit)
            try await kit.broker.publish(renewed)
            let alive = try #require(try await kit.broker.fetch(queues: ["q"], count: 1, leaseBase: "alive/1").first)
            try await kit.broker.publish(try ping(kit))  // a newer message, behind the restored one
            // Nothing is restored while leases are fresh.
            #expect(try await kit.broker.restoreExpired().restored == 0)
            // The first worker died 10 s ago (its lease was last renewed then); the other renews.
            try await kit.redis.send("ZADD", kit.broker.keys.unackedIndex, Date().timeIntervalSince1970 - 10, held.tag)
            try await kit.broker.renewLeases([alive.tag])
            #expect(try await kit.broker.restoreExpired().restored == 1, "only the lease that was not renewed")
            let again = try #require(try await kit.broker.fetch(queues: ["q"], count: 1, leaseBase: "new/1").first)
            let redelivered = try TaskEnvelope(parsing: again.raw)
            #expect(redelivered.deliveryTag == message.deliveryTag, "restored to the front of the queue")
            #expect(again.tag != held.tag, "a new delivery, a new lease")
            #expect(redelivered.headers["redelivered"] == true)
            #expect(try await kit.broker.ack([held]) == [false], "the first owner lost its lease")
            #expect(try await kit.broker.ack([again]) == [true])
        }
    }

    /// Entries no restorer can read once filled the window `restoreExpired` reads (200) and stopped
    /// every restore after them; now they move to a dead-letter list of their own.
    @Test func unreadableUnackedEntriesAreSetAsideAndNeverBlockRestores() async throws {
        try await withKit(visibilityTimeout: 2) { kit in
            let keys = kit.broker.keys
            let old = Date().timeIntervalSince1970 - 60
            for index in 0..<250 {
                try await kit.redis.send("HSET", keys.unacked, "junk/\(index)", "not [message, exchange, routing_key]")
                try await kit.redis.send("ZADD", keys.unackedIndex, old - 1, "junk/\(index)")
            }
            let message = try ping(kit)
            try await kit.broker.publish(message)
            let held = try #require(try await kit.broker.fetch(queues: ["q"], count: 1, leaseBase: "dead/1").first)
            try await kit.redis.send("ZADD", keys.unackedIndex, old, held.tag)
            var restored = 0
            for _ in 0..<3 { restored += try await kit.broker.restoreExpired().restored }
            #expect(restored == 1, "the real orphan came back")
            #expect(try await kit.redis.send("HLEN", keys.unacked).int == 0)
            #expect(try await kit.broker.deadLetterCount(queue: QueueBroker.unreadableQueue) == 250)
            let letter = try #require(try await kit.broker.deadLetters(queue: QueueBroker.unreadableQueue, limit: 1).first?.letter)
            #expect(letter.reason == .badMessage)
        }
    }

    @Test func restoresOrphansAPythonWorkerLeftInKombusFormat() async throws {
        try await withKit(visibilityTimeout: 5) { kit in
            let message = try ping(kit, queue: "celery")
            let keys = kit.broker.keys
            // What kombu's QoS.append writes, 10 minutes ago: a worker that died holding it.
            let entry = "[" + String(decoding: message.bytes, as: UTF8.self) + ", \"\", \"celery\"]"
            try await kit.redis.send("HSET", keys.unacked, message.deliveryTag!, entry)
            try await kit.redis.send("ZADD", keys.unackedIndex, Date().timeIntervalSince1970 - 600, message.deliveryTag!)
            // A kombu restorer holding the mutex is left alone.
            try await kit.redis.send("SET", keys.unackedMutex, "python", "PX", 60_000)
            #expect(try await kit.broker.restoreExpired().restored == 0)
            try await kit.redis.send("DEL", keys.unackedMutex)
            #expect(try await kit.broker.restoreExpired().restored == 1)
            #expect(try await kit.redis.send("LLEN", "\(kit.prefix)celery").int == 1)
            #expect(try await kit.redis.send("HLEN", keys.unacked).int == 0)
        }
    }

    @Test func malformedMessagesAreDeadLetteredNotLost() async throws {
        try await withKit { kit in
            try await kit.redis.send("LPUSH", "\(kit.prefix)q", "this is not json")
            #expect(try await kit.broker.fetch(queues: ["q"], count: 5, leaseBase: "w/1").isEmpty)
            let letters = try await kit.broker.deadLetters(queue: "q")
            #expect(letters.count == 1)
            #expect(letters.first?.letter?.raw == "this is not json")
            #expect(letters.first?.letter?.reason == .badMessage)
        }
    }

    @Test func delayedMessagesArePromotedWhenDue() async throws {
        try await withKit { kit in
            let message = try ping(kit)
            try await kit.broker.publish(message)
            let held = try #require(try await kit.broker.fetch(queues: ["q"], count: 1, leaseBase: "w/1").first)
            let due = Date().addingTimeInterval(30)
            #expect(try await kit.broker.delay(held, envelope: message, until: due))
            #expect(try await kit.broker.pendingCounts() == (0, 1) as (Int, Int))
            #expect(try await kit.broker.promoteDue() == 0)
            #expect(try await kit.broker.promoteDue(now: due.addingTimeInterval(1)) == 1)
            #expect(try await kit.broker.pendingCounts().delayed == 0)
            let promoted = try #require(try await kit.broker.fetch(queues: ["q"], count: 1, leaseBase: "w/2").first)
            #expect(try TaskEnvelope(parsing: promoted.raw).deliveryTag == message.deliveryTag)
        }
    }

    @Test func resultsNeverOverwriteASuccess() async throws {
        try await withKit { kit in
            let results = ResultBackend(redis: kit.redis)
            let id = TaskEnvelope.newID()
            #expect(try await results.store(taskID: id, state: .success, result: 42))
            #expect(try await results.store(taskID: id, state: .failure, result: ["exc_type": "X"]) == false)
            let document = try #require(try await results.fetch(taskID: id))
            #expect(document["status"] == "SUCCESS")
            #expect(document["result"] == 42)
            #expect(document["task_id"] == .string(id))
            let ttl = try await kit.redis.send("TTL", ResultBackend.key(taskID: id)).int ?? 0
            #expect(ttl > 86_000)
        }
    }

    @Test func aTaskIsPresentFromPublishUntilItIsSettledForGood() async throws {
        try await withKit { kit in
            let message = try ping(kit)
            let id = message.id
            func live() async throws -> Bool { try await kit.broker.liveTaskIDs(among: [id, TaskEnvelope.newID()]) == [id] }
            #expect(try await live() == false)
            try await kit.broker.publish(message)
            #expect(try await live(), "waiting")
            #expect(try await kit.redis.send("GET", kit.broker.keys.presence(taskID: id)).string == "q")
            var held = try #require(try await kit.broker.fetch(queues: ["q"], count: 1, leaseBase: "w/1").first)
            #expect(try await live(), "being run")
            held.taskID = id
            let due = Date().addingTimeInterval(600)
            #expect(try await kit.broker.retry(held, with: message.retry(eta: due), due: due))
            #expect(try await live(), "retrying")
            let ttl = try await kit.redis.send("TTL", kit.broker.keys.presence(taskID: id)).int ?? 0
            #expect(ttl > 86_400 + 590, "kept until a day after the retry is due")
            #expect(try await kit.broker.promoteDue(now: due.addingTimeInterval(1)) == 1)
            held = try #require(try await kit.broker.fetch(queues: ["q"], count: 1, leaseBase: "w/2").first)
            held.taskID = id
            #expect(try await kit.broker.ack([held]) == [true])
            #expect(try await live() == false, "succeeded")

            // Dead-lettered, it is gone; requeued by an operator, it is back.
            try await kit.broker.publish(message)
            held = try #require(try await kit.broker.fetch(queues: ["q"], count: 1, leaseBase: "w/3").first)
            held.taskID = id
            let letter = DeadLetter(error: "boom", reason: .failed, queue: "q", message: held.raw)
            #expect(try await kit.broker.deadLetter(held, letter: letter))
            #expect(try await live() == false, "dead")
            #expect(try await kit.broker.requeueDeadLetters(queue: "q") == 1)
            #expect(try await live(), "requeued")
        }
    }

    @Test func deliveriesWithoutAcknowledgementAreCountedUntilTheMessageIsPoison() async throws {
        try await withKit(visibilityTimeout: 2) { kit in
            let broker = QueueBroker(
                redis: kit.redis,
                settings: QueueSettings(visibilityTimeout: .seconds(2), keyPrefix: kit.prefix, maxDeliveries: 3)
            )
            let message = try ping(kit)
            let tag = try #require(message.deliveryTag)
            try await broker.publish(message)
            func fetchAndDie(_ worker: String) async throws {
                let held = try #require(try await broker.fetch(queues: ["q"], count: 1, leaseBase: worker).first)
                try await kit.redis.send("ZADD", broker.keys.unackedIndex, Date().timeIntervalSince1970 - 10, held.tag)
            }
            for death in 1...2 {
                try await fetchAndDie("w/\(death)")
                #expect(try await broker.restoreExpired() == RestoreOutcome(restored: 1), "death \(death)")
                #expect(try await kit.redis.send("GET", broker.keys.deliveries(tag: tag)).string == String(death))
            }
            // A shutdown hands the message back: no death.
            let returned = try #require(try await broker.fetch(queues: ["q"], count: 1, leaseBase: "w/stop").first)
            #expect(try await broker.returnToQueue(returned, envelope: try TaskEnvelope(parsing: returned.raw)))
            #expect(try await kit.redis.send("GET", broker.keys.deliveries(tag: tag)).string == "2")

            try await fetchAndDie("w/3")
            let outcome = try await broker.restoreExpired()
            #expect(outcome.restored == 0)
            #expect(outcome.poisoned.map(\.envelope.deliveryTag) == [tag])
            #expect(outcome.poisoned.first?.queue == "q")
            #expect(outcome.poisoned.first?.deliveries == 3)
            #expect(try await kit.redis.send("LLEN", "\(kit.prefix)q").int == 0)
            #expect(try await broker.pendingCounts() == (0, 0) as (Int, Int))
            #expect(try await broker.liveTaskIDs(among: [message.id]).isEmpty)
            let letter = try #require(try await broker.deadLetters(queue: "q").first?.letter)
            #expect(letter.reason == .poison)
            #expect(letter.error == "WorkerLostError: the task stopped its worker 3 times without finishing (poison message)")
            #expect(letter.taskID == message.id)
        }
    }

    /// What Redis holds is what a Python consumer reads: ids as `str(uuid)` writes them.
    @Test func uuidArgumentsReachRedisLowercaseAsPythonWritesThem() async throws {
        try await withKit { kit in
            let audit = try #require(UUID(uuidString: "6F1C2A9E-3B7D-4C1E-9A2B-5D8E7F6A1B3C"))
            let report = UUID()
            try await kit.producer.enqueue(ScanAuditTask(auditID: audit))
            try await kit.producer.enqueue(GenerateReportTask(reportID: report))
            for (queue, id) in [("scans", audit), ("reports", report)] {
                let raw = try #require(try await kit.redis.send("LINDEX", "\(kit.prefix)\(queue)", 0).bytes)
                let envelope = try JSONValue(parsing: raw)
                let body = try #require(envelope["body"]?.string.flatMap { Data(base64Encoded: $0) })
                let decoded = try JSONValue(parsing: Array(body))
                #expect(decoded.array?.first == [.string(id.uuidString.lowercased())])
                #expect(envelope["headers"]?["argsrepr"] == .string("('\(id.uuidString.lowercased())',)"))
            }
        }
    }
}
