import Core
import Foundation
import OpenAPIRuntime

/// Tag `billing`: Stripe Checkout, the customer portal, the subscription and its webhook.
extension APIHandler {
    func startCheckout(_ input: Operations.StartCheckout.Input) async throws -> Operations.StartCheckout.Output {
        let principal = try scope.authenticated()
        guard case .json(let body) = input.body else { throw APIError.malformed }
        let session = try await billing.checkout(principal, plan: body.plan, returnBase: scope.baseURL, ip: scope.clientIP)
        return .ok(.init(body: .json(.init(url: session.url, sessionId: session.sessionID))))
    }

    func openBillingPortal(_ input: Operations.OpenBillingPortal.Input) async throws -> Operations.OpenBillingPortal.Output {
        let url = try await billing.portal(try scope.authenticated(), returnBase: scope.baseURL)
        return .ok(.init(body: .json(.init(url: url))))
    }

    func getSubscription(_ input: Operations.GetSubscription.Input) async throws -> Operations.GetSubscription.Output {
        let subscription = try await billing.subscription(try scope.authenticated())
        return .ok(.init(body: .json(.init(subscription))))
    }

    /// The signature is over the exact bytes Stripe sent, so the body is taken raw.
    func receiveStripeWebhook(_ input: Operations.ReceiveStripeWebhook.Input) async throws -> Operations.ReceiveStripeWebhook.Output {
        guard case .any(let raw) = input.body else { throw APIError.malformed }
        let body = try await [UInt8](collecting: raw, upTo: 1 << 20)
        let outcome = try await billing.handleWebhook(body: body, signature: input.headers.stripeSignature)
        let result: Components.Schemas.WebhookReceipt.OutcomePayload =
            switch outcome {
            case .applied: .applied
            case .duplicate: .duplicate
            case .ignored: .ignored
            }
        return .ok(.init(body: .json(.init(received: true, outcome: result))))
    }
}
