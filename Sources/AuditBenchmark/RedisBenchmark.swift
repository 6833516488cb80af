import Core
import Foundation

/// The raw Redis figure the drain rate is compared with: `redis-benchmark -t lpush,rpop` (50
/// clients, no pipelining), one LPUSH and one RPOP being the least a queue message costs.
struct RedisBenchmark {
    let settings: RedisSettings
    let redis: RedisClient

    struct Rates {
        var lpush: Double
        var rpop: Double
        /// One LPUSH plus one RPOP per message.
        var pair: Double { 1 / (1 / lpush + 1 / rpop) }
    }

    func run(count: Int) async throws -> Rates {
        var arguments = [
            "-h", settings.host, "-p", String(settings.port), "-n", String(count), "-t", "lpush,rpop", "-q", "--dbnum",
            String(settings.database),
        ]
        guard settings.password != nil else { return try await measure(arguments) }
        // redis-benchmark (7.0) takes a password only as `-a`, where every user of the machine can read
        // it, and not from REDISCLI_AUTH as redis-cli does. So it never gets the real one: it logs in
        // as a user made for this run, allowed only the commands of its test on its own list, and
        // removed afterwards.
        let user = "auditmate-bench-\(UUID().uuidString.prefix(8).lowercased())"
        let password = UUID().uuidString
        try await redis.send(
            "ACL",
            "SETUSER",
            user,
            "reset",
            "on",
            ">" + password,
            "~mylist*",
            "resetchannels",
            "+lpush",
            "+rpop",
            "+select",
            "+ping"
        )
        arguments += ["--user", user, "-a", password]
        do {
            let rates = try await measure(arguments)
            try await redis.send("ACL", "DELUSER", user)
            return rates
        } catch {
            _ = try? await redis.send("ACL", "DELUSER", user)
            throw error
        }
    }

    private func measure(_ arguments: [String]) async throws -> Rates {
        let output = try await BenchmarkProcess("redis-benchmark", executable: .name("redis-benchmark"), arguments: arguments).output()
        func rate(_ name: String) -> Double? {
            // Lines look like "LPUSH: 98231.83 requests per second, p50=0.255 msec" after \r progress.
            output.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).last {
                $0.hasPrefix(name + ": ") && $0.contains("requests per second")
            }
            .flatMap { Double($0.dropFirst(name.count + 2).split(separator: " ").first ?? "") }
        }
        guard let lpush = rate("LPUSH"), let rpop = rate("RPOP") else {
            throw BenchmarkError("cannot read redis-benchmark output: \(output)")
        }
        return Rates(lpush: lpush, rpop: rpop)
    }
}
