/// The fields AuditMate reads from Stripe's answers. Every field is optional and read leniently:
/// the caller says which one it needed when it is missing, and anything else Stripe sends is ignored.

/// `POST /v1/checkout/sessions`.
struct StripeCheckoutSession: Decodable, Sendable {
    let id: String?
    let url: String?

    private enum CodingKeys: String, CodingKey { case id, url }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = container.lenient(String.self, forKey: .id)
        url = container.lenient(String.self, forKey: .url)
    }
}

/// `POST /v1/billing_portal/sessions`.
struct StripePortalSession: Decodable, Sendable {
    let url: String?

    private enum CodingKeys: String, CodingKey { case url }

    init(from decoder: any Decoder) throws {
        url = try decoder.container(keyedBy: CodingKeys.self).lenient(String.self, forKey: .url)
    }
}

/// `POST /v1/customers`.
struct StripeCustomer: Decodable, Sendable {
    let id: String?

    private enum CodingKeys: String, CodingKey { case id }

    init(from decoder: any Decoder) throws {
        id = try decoder.container(keyedBy: CodingKeys.self).lenient(String.self, forKey: .id)
    }
}

/// The body of a refused request: `{"error": {"type": ..., "message": ...}}`.
struct StripeErrorAnswer: Decodable, Sendable {
    struct Detail: Decodable, Sendable {
        let type: String?
        let message: String?

        private enum CodingKeys: String, CodingKey { case type, message }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            type = container.lenient(String.self, forKey: .type)
            message = container.lenient(String.self, forKey: .message)
        }
    }

    let error: Detail?

    private enum CodingKeys: String, CodingKey { case error }

    init(from decoder: any Decoder) throws {
        error = try decoder.container(keyedBy: CodingKeys.self).lenient(Detail.self, forKey: .error)
    }
}
