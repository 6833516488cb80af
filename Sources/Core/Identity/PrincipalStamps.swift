import Foundation
import Logging

/// Change counters in Redis for what a principal is made of, so that every API replica can tell,
/// in the round trip that spends the request budget, whether the principal it remembers
/// (`PrincipalCache`) is still true.
///
/// - `principal:user:<id>` moves on every change to the user's standing: deactivation, password
///   change, a login or session ended (logout, refresh-token reuse), a session moved to another
///   organization, a membership added, changed or removed.
/// - `principal:org:<id>` moves when the organization's subscription changes.
/// - `principal:epoch` names the Redis data set. A Redis that lost its data (restarted without
///   persistence, or emptied) has none, or a new one, so nothing remembered before matches: every
///   principal is read from PostgreSQL again, which stays the truth.
///
/// A change is announced after its transaction commits: announced earlier, a request in between
/// could read the old rows and remember them under the new count. This relies on Redis not
/// evicting keys (`maxmemory-policy noeviction`, which the task queue needs anyway).
public struct PrincipalStamps: Sendable {
    let redis: RedisClient
    let logger: Logger

    public init(redis: RedisClient, logger: Logger) {
        self.redis = redis
        self.logger = logger
    }

    public enum Subject: Sendable, Equatable {
        case user(UUID)
        case organization(UUID)

        var key: String {
            switch self {
            case .user(let id): "principal:user:\(id.apiString)"
            case .organization(let id): "principal:org:\(id.apiString)"
            }
        }
    }

    /// What a remembered principal was read under: the data set and the two counters.
    struct Stamp: Equatable, Sendable {
        let epoch: String
        let user: String?
        let organizationID: UUID?
        let organization: String?
    }

    static let epochKey = "principal:epoch"
    /// Counters expire a day after their last change, far beyond `PrincipalCache.maximumAge`: a
    /// principal remembered before a change has been forgotten long before the counter goes.
    static let lifetime = 86_400

    /// The keys to read alongside the budget for a principal of `userID` in `organizationID`.
    static func keys(user userID: UUID, organization organizationID: UUID?) -> [String] {
        [epochKey, Subject.user(userID).key] + (organizationID.map { [Subject.organization($0).key] } ?? [])
    }

    /// The stamp from the values of `keys(user:organization:)`; nil when Redis did not answer or
    /// holds no epoch yet, and then this request's principal is not remembered.
    func stamp(_ values: [String?]?, organization organizationID: UUID?) async -> Stamp? {
        guard let values, values.count >= 2 else { return nil }
        guard let epoch = values[0] else {
            await establishEpoch()
            return nil
        }
        return Stamp(epoch: epoch, user: values[1], organizationID: organizationID, organization: values.count > 2 ? values[2] : nil)
    }

    /// Tells every replica that `subjects` changed. Called after the change committed; a failure
    /// is retried, then logged: the cache's `maximumAge` bounds what a lost announcement costs.
    public func changed(_ subjects: Subject...) async {
        let commands = subjects.flatMap { subject in
            [RedisCommand("INCR", subject.key), RedisCommand("EXPIRE", subject.key, Self.lifetime)]
        }
        for attempt in 1...3 {
            do {
                _ = try await redis.pipeline(commands)
                return
            } catch {
                if attempt == 3 {
                    logger.error("could not announce a change of principals", metadata: ["error": "\(error)"])
                }
            }
        }
    }

    private func establishEpoch() async {
        _ = try? await redis.send("SET", Self.epochKey, UUID().apiString, "NX")
    }
}
