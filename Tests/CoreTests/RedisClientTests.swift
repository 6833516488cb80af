import Core
import Foundation
import Logging
import TestSupport
import Testing

@Suite("Redis client")
struct RedisClientTests {
    let logger = Logger(label: "tests.redis")

    @discardableResult
    func withClient<Value>(_ settings: RedisSettings = TestEnvironment.redis, _ body: (RedisClient) async throws -> Value) async throws
        -> Value
    {
        let client = RedisClient(settings: settings, logger: logger)
        do {
            let value = try await body(client)
            try await client.close()
            return value
        } catch {
            try? await client.close()
            throw error
        }
    }

    /// Every test works under its own key prefix in the shared server.
    let prefix = "test:\(UUID().uuidString):"

    @Test func valuesRoundTripBinarySafe() async throws {
        try await withClient { redis in
            let value: [UInt8] = [0, 13, 10, 255, 36, 42, 0]
            try await redis.send("SET", prefix + "bin", value)
            #expect(try await redis.send("GET", prefix + "bin") == .bulk(value))
            #expect(try await redis.send("GET", prefix + "missing") == .null)
            #expect(try await redis.send("INCRBY", prefix + "n", 41).int == 41)
            #expect(try await redis.send("RPUSH", prefix + "list", "a", "b").int == 2)
            #expect(try await redis.send("LRANGE", prefix + "list", 0, -1) == .array([.bulk(Array("a".utf8)), .bulk(Array("b".utf8))]))
        }
    }

    @Test func errorRepliesAreThrownAndLeaveTheConnectionUsable() async throws {
        try await withClient { redis in
            try await redis.send("SET", prefix + "s", "text")
            await #expect {
                try await redis.send("LPUSH", prefix + "s", "x")
            } throws: { error in
                guard case RedisError.server(let message) = error else { return false }
                return message.hasPrefix("WRONGTYPE")
            }
            #expect(try await redis.send("GET", prefix + "s").string == "text")
        }
    }

    @Test func pipelinesAndTransactions() async throws {
        try await withClient { redis in
            let replies = try await redis.pipeline([
                RedisCommand("SET", prefix + "a", "1"),
                RedisCommand("INCR", prefix + "a"),
                RedisCommand("HSET", prefix + "a", "f", "v"),  // wrong type: an error in place
                RedisCommand("GET", prefix + "a"),
            ])
            #expect(replies.count == 4)
            #expect(replies[0] == .status("OK"))
            #expect(replies[1] == .integer(2))
            guard case .error(let message) = replies[2] else {
                Issue.record("expected an error reply, got \(replies[2])")
                return
            }
            #expect(message.hasPrefix("WRONGTYPE"))
            #expect(replies[3].int == 2)

            let results = try await redis.transaction([
                RedisCommand("INCR", prefix + "t"),
                RedisCommand("INCR", prefix + "t"),
            ])
            #expect(results == [.integer(1), .integer(2)])
        }
    }

    @Test func scriptsLoadThemselvesWhenTheServerForgotThem() async throws {
        try await withRedisServer { server in
            try await withClient(server.settings) { redis in
                let script = RedisScript("return redis.call('INCRBY', KEYS[1], ARGV[1])")
                #expect(try await redis.evaluate(script, keys: [prefix + "k"], arguments: [5]).int == 5)
                try await redis.send("SCRIPT", "FLUSH")
                #expect(try await redis.evaluate(script, keys: [prefix + "k"], arguments: [2]).int == 7)
                let loaded = try await redis.send("SCRIPT", "EXISTS", script.sha1)
                #expect(loaded == .array([.integer(1)]))
            }
        }
    }

    @Test func authenticatesAndSelectsTheDatabase() async throws {
        var settings = TestEnvironment.redis
        #expect(settings.password != nil, "the test Redis requires a password")
        settings.database = 3
        try await withClient(settings) { redis in
            try await redis.send("SET", prefix + "db", "three")
            #expect(try await redis.send("GET", prefix + "db").string == "three")
        }
        let inDatabaseZero = try await withClient { redis in try await redis.send("GET", prefix + "db") }
        #expect(inDatabaseZero == .null)
        settings.password = "wrong-password"
        try await withClient(settings) { redis in
            await #expect {
                try await redis.ping()
            } throws: { error in
                guard case RedisError.server(let message) = error else { return false }
                return message.contains("WRONGPASS") || message.contains("invalid password")
            }
        }
    }

    @Test func unreachableServerIsAConnectionError() async throws {
        let port = try freeLoopbackPort()
        try await withClient(RedisSettings(host: "127.0.0.1", port: port)) { redis in
            await #expect {
                try await redis.ping()
            } throws: { error in
                (error as? RedisError)?.isTransient == true
            }
        }
    }

    @Test func reconnectsTransparentlyAfterAServerRestart() async throws {
        try await withRedisServer(password: "restart-secret") { server in
            try await withClient(server.settings) { redis in
                // Fill the pool with idle connections that the restart will break.
                async let a: Void = redis.ping()
                async let b: Void = redis.ping()
                async let c: Void = redis.ping()
                _ = try await (a, b, c)
                try await redis.send("SET", prefix + "durable", "kept")

                try await server.restart()

                // No error after the restart: dead idle connections are replaced before use.
                for _ in 0..<5 {
                    try await redis.ping()
                }
                #expect(try await redis.send("GET", prefix + "durable").string == "kept", "AOF should have kept the key")
            }
        }
    }

    @Test func callsFailWhileRedisIsDownAndRecoverAfter() async throws {
        try await withRedisServer { server in
            try await withClient(server.settings) { redis in
                try await redis.ping()
                try await server.stop()
                await #expect(throws: RedisError.self) { try await redis.ping() }
                try await server.start()
                try await redis.ping()
            }
        }
    }

    /// Calls share one connection per event loop: under many concurrent callers each gets its own
    /// replies, and a transaction's commands are never split by another caller's.
    @Test func concurrentCallersOnASharedConnectionGetTheirOwnReplies() async throws {
        try await withClient { redis in
            let mismatches = try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<200 {
                    group.addTask {
                        let key = prefix + "c\(index)"
                        if index.isMultiple(of: 3) {
                            let results = try await redis.transaction([RedisCommand("SET", key, "v\(index)"), RedisCommand("GET", key)])
                            return results.last?.string == "v\(index)" ? 0 : 1
                        }
                        try await redis.send("SET", key, "v\(index)")
                        let replies = try await redis.pipeline([RedisCommand("GET", key), RedisCommand("STRLEN", key)])
                        return replies[0].string == "v\(index)" && replies[1].int == "v\(index)".count ? 0 : 1
                    }
                }
                return try await group.reduce(0, +)
            }
            #expect(mismatches == 0)
        }
    }

    /// A server that accepts and never answers: the call fails with a connection error once the
    /// command timeout has passed, rather than waiting for ever.
    @Test func aServerThatNeverAnswersTimesOut() async throws {
        let silent = try SilentListener()
        defer { silent.close() }
        var settings = RedisSettings(host: "127.0.0.1", port: silent.port)
        settings.commandTimeout = .milliseconds(300)
        try await withClient(settings) { redis in
            let started = ContinuousClock.now
            await #expect {
                try await redis.ping()
            } throws: { error in
                (error as? RedisError)?.isTransient == true
            }
            #expect(ContinuousClock.now - started < .seconds(5))
        }
    }

    /// Blocking commands get connections of their own: while several BLPOPs wait, other calls
    /// still complete and can release them. Were they on the shared connection, the pushes would
    /// wait behind the pops until those timed out, and the pops would return nil.
    @Test func blockingCommandsDoNotStarveOtherWork() async throws {
        var settings = TestEnvironment.redis
        settings.poolSize = 6
        try await withClient(settings) { redis in
            let key = prefix + "queue"
            let popped = try await withThrowingTaskGroup(of: RedisReply.self) { group in
                for _ in 0..<4 {
                    group.addTask { try await redis.send(RedisCommand("BLPOP", key, 20), timeout: .seconds(20)) }
                }
                try await eventually {
                    // Push only once the server lists the pops as blocked.
                    let clients = try await redis.send("CLIENT", "LIST").string ?? ""
                    return clients.components(separatedBy: "cmd=blpop").count - 1 >= 4
                }
                for item in 0..<4 {
                    try await redis.send("RPUSH", key, "item-\(item)")
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let values = popped.compactMap { $0.array?.last?.string }.sorted()
            #expect(values == ["item-0", "item-1", "item-2", "item-3"])
        }
    }
}
