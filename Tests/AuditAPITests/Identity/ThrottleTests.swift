import Core
import Foundation
import HTTPTypes
import TestSupport
import Testing

@testable import AuditAPI

@Suite("Throttling")
struct ThrottleTests {
    @Test func failedLoginsAreThrottledPerAddressAndEmailThenRecover() async throws {
        // Long enough for five failures while the whole suite loads the machine (12 s was not, once),
        // short enough to wait out.
        try await withIdentityAPI(extra: ["THROTTLE_WINDOW_SECONDS": "30"]) { api, _ in
            let account = try await api.register()
            for _ in 0..<5 {
                let wrong = try await api.request(
                    .post,
                    "/api/v1/auth/token/",
                    json: ["email": account.email, "password": "wrong password!"]
                )
                #expect(wrong.status == .unauthorized)
            }
            // Even the right password waits out the window now.
            let blocked = try await api.request(.post, "/api/v1/auth/token/", json: ["email": account.email, "password": account.password])
            #expect(blocked.status == .tooManyRequests)
            let retryAfter = try #require(blocked.headers[.retryAfter].flatMap(Int.init))
            #expect((1...30).contains(retryAfter))
            #expect((try blocked.json()["detail"] as? String)?.hasPrefix("Request was throttled. Expected available in") == true)

            // Another client address is not affected.
            let elsewhere = APIClient(api.client)
            #expect(
                try await elsewhere.request(.post, "/api/v1/auth/token/", json: ["email": account.email, "password": account.password])
                    .status == .ok
            )

            // Once a second: each try is a call to an authentication endpoint, and those have a
            // per-address budget of their own (30 a window) that faster polling would spend.
            try await eventually(timeout: .seconds(60), interval: .seconds(1), "the login throttle did not lift after its window") {
                try await api.request(.post, "/api/v1/auth/token/", json: ["email": account.email, "password": account.password]).status
                    == .ok
            }
        }
    }

    @Test func authenticationEndpointsHaveAPerAddressBudget() async throws {
        // A window far longer than 31 requests take, even with the whole suite loading the machine.
        try await withIdentityAPI(extra: ["THROTTLE_WINDOW_SECONDS": "300"]) { api, _ in
            var statuses: [HTTPResponse.Status] = []
            for _ in 0..<31 {
                statuses.append(try await api.request(.post, "/api/v1/auth/token/verify/", json: ["token": "x.y.z"]).status)
            }
            #expect(statuses.prefix(30).allSatisfy { $0 == .unauthorized })
            #expect(statuses.last == .tooManyRequests)
        }
    }

    @Test func eachUserHasARequestBudget() async throws {
        try await withIdentityAPI { api, _ in
            let account = try await api.register()
            let other = try await api.register()
            var throttledAt: Int?
            for request in 1...(IdentityService.userRequestLimit + 1) {
                let status = try await api.request(.get, "/api/v1/users/me/", token: account.access).status
                if status == .tooManyRequests {
                    throttledAt = request
                    break
                }
                #expect(status == .ok)
            }
            #expect(throttledAt == IdentityService.userRequestLimit + 1)
            // The budget is the user's, not the address's.
            #expect(try await api.request(.get, "/api/v1/users/me/", token: other.access).status == .ok)
        }
    }

    @Test func forwardedForIsIgnoredFromUntrustedPeers() async throws {
        // Without TRUSTED_PROXIES a client cannot pick its address: every attempt counts against the
        // peer. Sent at once, so the 31 calls fall in one window however loaded the machine is.
        try await withAPI(extra: ["THROTTLE_WINDOW_SECONDS": "30"]) { client, _ in
            let port = try #require(client.port)
            let statuses = try await ParallelRequests.send(
                31,
                port: port,
                .post,
                "/api/v1/auth/token/verify/",
                json: { attempt in ["token": "attempt-\(attempt)"] },
                forwardedFor: { _ in APIClient(client).address }
            ).map(\.status)
            #expect(statuses.contains(429), "\(statuses)")
        }
    }
}
