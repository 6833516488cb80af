/// A subscription's status as Stripe names it, stored as Stripe's own string in
/// `organizations.subscription_status`.
///
/// Stripe adds statuses over time (`paused` arrived after AuditMate's first schema), and every status
/// it sends is stored as it came: migration 0009 allows any string. A status this build does not
/// know is `unknown`, keeps its raw string, and never allows premium features.
public enum SubscriptionStatus: Hashable, Sendable {
    case incomplete
    case incompleteExpired
    case trialing
    case active
    case pastDue
    case canceled
    case unpaid
    case paused
    /// Any other string, kept as stored (also the schema's `none`, which AuditMate itself never writes).
    case unknown(String)

    /// The statuses Stripe documents, in its order.
    public static let known: [SubscriptionStatus] = [
        .incomplete, .incompleteExpired, .trialing, .active, .pastDue, .canceled, .unpaid, .paused,
    ]

    public init(rawValue: String) {
        self = Self.known.first { $0.rawValue == rawValue } ?? .unknown(rawValue)
    }

    /// Stripe's spelling, which is also the stored one.
    public var rawValue: String {
        switch self {
        case .incomplete: "incomplete"
        case .incompleteExpired: "incomplete_expired"
        case .trialing: "trialing"
        case .active: "active"
        case .pastDue: "past_due"
        case .canceled: "canceled"
        case .unpaid: "unpaid"
        case .paused: "paused"
        case .unknown(let raw): raw
        }
    }
}
