import Foundation
import Logging
import TestSupport
import Testing

@testable import Core

/// The two halves of the per-process principal cache: the change counters in Redis, read in the
/// budget's round trip, and the cache's own rules for what it may remember.
@Suite("Principal stamps")
struct PrincipalStampsTests {
    let logger = Logger(label: "tests.principal-stamps")

    @Test func stampsMoveWithEveryChangeAndVanishWithRedisData() async throws {
        try await withRedisServer { server in
            let redis = RedisClient(settings: server.settings, logger: logger)
            let throttle = Throttle(redis: redis, window: .seconds(60), logger: logger)
            let stamps = PrincipalStamps(redis: redis, logger: logger)
            let (user, organization) = (UUID(), UUID())
            @Sendable func read() async -> PrincipalStamps.Stamp? {
                let keys = PrincipalStamps.keys(user: user, organization: organization)
                let (spent, values) = await throttle.spend("user:\(user.apiString)", limit: 1000, reading: keys)
                #expect(throws: Never.self) { try spent.check() }
                return await stamps.stamp(values, organization: organization)
            }

            #expect(await read() == nil, "no epoch yet: nothing may be remembered, and one is set")
            let first = try #require(await read())
            #expect(await read() == first)
            await stamps.changed(.user(UUID()))
            #expect(await read() == first, "another user's change")
            await stamps.changed(.user(user))
            let second = try #require(await read())
            #expect(second != first)
            await stamps.changed(.organization(organization))
            let third = try #require(await read())
            #expect(third != second)
            let ttl = try await redis.send("TTL", PrincipalStamps.Subject.user(user).key).int ?? -1
            #expect((1...PrincipalStamps.lifetime).contains(ttl))

            // Redis loses its data: the counters start over, but under a new epoch.
            _ = try await redis.send("FLUSHALL")
            #expect(await read() == nil)
            let fourth = try #require(await read())
            #expect(![first, second, third].contains(fourth))
            try await redis.close()
        }
    }

    @Test func withoutRedisNothingIsStampedAndTheBudgetStillCounts() async throws {
        let unreachable = try RedisSettings(url: "redis://127.0.0.1:\(try freeLoopbackPort())/0")
        let redis = RedisClient(settings: unreachable, logger: logger)
        let throttle = Throttle(redis: redis, window: .seconds(60), logger: logger)
        let keys = PrincipalStamps.keys(user: UUID(), organization: nil)
        for _ in 0..<2 {
            let (spent, values) = await throttle.spend("user:x", limit: 1, reading: keys)
            #expect(values == nil)
            _ = spent
        }
        let (spent, _) = await throttle.spend("user:x", limit: 1, reading: keys)
        #expect(throws: IdentityError.self) { try spent.check() }
        try? await redis.close()
    }

    func entry(_ stamp: PrincipalStamps.Stamp?, trialEnds: Date? = nil) -> PrincipalCache.Entry {
        PrincipalCache.Entry(
            principal: Principal(
                userID: UUID(),
                email: "a@example.com",
                organizationID: UUID(),
                role: .admin,
                credential: .bearer(familyID: UUID())
            ),
            standing: .init(status: .trialing, trialEndsAt: trialEnds, hasStripeSubscription: false),
            csrfDigest: nil,
            expiresAt: nil,
            stamp: stamp,
            storedAt: .now
        )
    }

    @Test func theCacheRemembersOnlyWhatItMayAndOnlyWhileListening() {
        let cache = PrincipalCache()
        let stamp = PrincipalStamps.Stamp(epoch: "e", user: "1", organizationID: nil, organization: nil)
        let key = PrincipalCache.Key.session(tokenHash: "h")

        cache.store(key, entry(stamp), era: cache.era)
        #expect(cache.principal(key, stamp: stamp) == nil, "closed: the change listener is not connected")

        cache.open()
        let before = cache.era
        cache.clear()  // a notification arrived while the principal was being read
        cache.store(key, entry(stamp), era: before)
        #expect(cache.principal(key, stamp: stamp) == nil)

        cache.store(key, entry(stamp), era: cache.era)
        #expect(cache.principal(key, stamp: stamp) != nil)
        #expect(cache.principal(key, stamp: nil) == nil)
        #expect(cache.principal(key, stamp: .init(epoch: "e", user: "2", organizationID: nil, organization: nil)) == nil)
        #expect(cache.principal(key, stamp: .init(epoch: "f", user: "1", organizationID: nil, organization: nil)) == nil)

        cache.clear()
        #expect(cache.principal(key, stamp: stamp) == nil)
        cache.store(key, entry(stamp), era: cache.era)
        cache.close()
        #expect(cache.principal(key, stamp: stamp) == nil)
    }

    @Test func aTrialEndsWhileRemembered() {
        let cache = PrincipalCache()
        cache.open()
        let stamp = PrincipalStamps.Stamp(epoch: "e", user: nil, organizationID: nil, organization: nil)
        let key = PrincipalCache.Key.session(tokenHash: "t")
        cache.store(key, entry(stamp, trialEnds: Date(timeIntervalSinceNow: 3600)), era: cache.era)
        let remembered = try! #require(cache.principal(key, stamp: stamp))
        #expect(remembered.principal(at: .now).premiumAllowed)
        #expect(!remembered.principal(at: Date(timeIntervalSinceNow: 7200)).premiumAllowed)
    }
}
