import Foundation

/// A webhook event as far as AuditMate reads it: its id, type, creation time and `data.object`.
/// Fields AuditMate does not read are ignored, and the event's own shape is all that is required:
/// a body without these four is not a Stripe event (`BillingError.malformedEvent`).
struct StripeEvent: Decodable, Sendable {
    let id: String
    /// Stripe's type string, stored in `stripe_events` and the audit log as sent.
    let type: String
    /// Unix seconds; orders deliveries (an older event never overwrites a newer one's state).
    let created: Int
    let object: StripeObject

    /// The types AuditMate acts on; every other type is recorded and ignored.
    enum Kind: String, Sendable {
        case checkoutSessionCompleted = "checkout.session.completed"
        case subscriptionCreated = "customer.subscription.created"
        case subscriptionUpdated = "customer.subscription.updated"
        case subscriptionDeleted = "customer.subscription.deleted"
        case invoicePaid = "invoice.paid"
        case invoicePaymentFailed = "invoice.payment_failed"
    }

    /// nil for a type AuditMate ignores.
    var kind: Kind? { Kind(rawValue: type) }

    private enum CodingKeys: String, CodingKey {
        case id, type, created, data
    }

    private struct Payload: Decodable {
        let object: StripeObject
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        type = try container.decode(String.self, forKey: .type)
        created = try container.decode(Int.self, forKey: .created)
        object = try container.decode(Payload.self, forKey: .data).object
    }
}

/// The event's `data.object`: a Checkout Session, a subscription or an invoice, read leniently
/// (a field of another type than expected is as good as absent).
struct StripeObject: Decodable, Sendable {
    /// The object's own id (the subscription's, for subscription events).
    let id: String?
    let customer: String?
    /// The subscription a Checkout Session or an invoice is about.
    let subscription: String?
    let status: String?
    let clientReferenceID: String?
    let metadata: StringValues?
    let currentPeriodEnd: Date?
    let cancelAtPeriodEnd: Bool?
    let trialEnd: Date?
    /// The price of the subscription's first item (`items.data[0].price.id`).
    let priceID: String?

    private enum CodingKeys: String, CodingKey {
        case id, customer, subscription, status, metadata, items
        case clientReferenceID = "client_reference_id"
        case currentPeriodEnd = "current_period_end"
        case cancelAtPeriodEnd = "cancel_at_period_end"
        case trialEnd = "trial_end"
    }

    private struct Items: Decodable {
        let first: Item?

        private enum CodingKeys: String, CodingKey { case data }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            first = container.lenient([Item].self, forKey: .data)?.first
        }
    }

    private struct Item: Decodable {
        let priceID: String?

        private enum CodingKeys: String, CodingKey { case price }
        private struct Price: Decodable {
            let id: String?
            private enum CodingKeys: String, CodingKey { case id }
            init(from decoder: any Decoder) throws {
                id = try decoder.container(keyedBy: CodingKeys.self).lenient(String.self, forKey: .id)
            }
        }

        init(from decoder: any Decoder) throws {
            // An item that is not an object has no price, like an object without one.
            let container = try? decoder.container(keyedBy: CodingKeys.self)
            priceID = container?.lenient(Price.self, forKey: .price)?.id
        }
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = container.lenient(String.self, forKey: .id)
        customer = container.lenient(String.self, forKey: .customer)
        subscription = container.lenient(String.self, forKey: .subscription)
        status = container.lenient(String.self, forKey: .status)
        clientReferenceID = container.lenient(String.self, forKey: .clientReferenceID)
        metadata = container.lenient(StringValues.self, forKey: .metadata)
        currentPeriodEnd = Self.date(container.lenient(Double.self, forKey: .currentPeriodEnd))
        cancelAtPeriodEnd = container.lenient(Bool.self, forKey: .cancelAtPeriodEnd)
        trialEnd = Self.date(container.lenient(Double.self, forKey: .trialEnd))
        priceID = container.lenient(Items.self, forKey: .items)?.first?.priceID
    }

    /// Unix seconds from Stripe; anything outside 1970-9999 is no date (and never reaches PostgreSQL).
    private static func date(_ seconds: Double?) -> Date? {
        seconds.flatMap { OutsideValue.epochSeconds(json: $0) }
    }
}
