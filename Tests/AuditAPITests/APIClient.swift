import Core
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import TestSupport

@testable import AuditAPI

/// A JSON client for the live test server. Each instance claims its own client address through
/// `X-Forwarded-For` (the test server trusts loopback as a proxy), so per-IP budgets of parallel
/// tests never collide.
struct APIClient: Sendable {
    let client: any TestClientProtocol
    let address: String

    init(_ client: any TestClientProtocol) {
        self.client = client
        self.address = "10.\(UInt8.random(in: 0...255)).\(UInt8.random(in: 0...255)).\(UInt8.random(in: 1...254))"
    }

    func request(
        _ method: HTTPRequest.Method,
        _ path: String,
        json: [String: any Sendable]? = nil,
        token: String? = nil,
        headers extra: HTTPFields = [:]
    ) async throws -> TestResponse {
        var headers = extra
        if headers[.xForwardedFor] == nil { headers[.xForwardedFor] = address }
        if let token { headers[.authorization] = "Bearer \(token)" }
        var body: ByteBuffer?
        if let json {
            headers[.contentType] = "application/json"
            body = ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: json))
        }
        return try await client.execute(uri: path, method: method, headers: headers, body: body)
    }

    /// A new user with a new organization, logged in.
    func register(
        email: String = "user-\(UUID().uuidString.prefix(8))@example.com",
        organization: String = "Org \(UUID().uuidString.prefix(6))"
    ) async throws -> Account {
        let password = "correct horse battery"
        let response = try await request(
            .post,
            "/api/v1/auth/register/",
            json: ["email": email, "password": password, "full_name": "Test User", "organization_name": organization]
        )
        guard response.status == .created else { throw TestFailure("register answered \(response.status): \(response.text)") }
        let body = try response.json()
        let user = body["user"] as? [String: Any] ?? [:]
        let org = body["organization"] as? [String: Any] ?? [:]
        return Account(
            email: email.lowercased(),
            password: password,
            access: body["access"] as? String ?? "",
            refresh: body["refresh"] as? String ?? "",
            userID: user["id"] as? String ?? "",
            organizationID: org["id"] as? String ?? ""
        )
    }

    /// Invites `email` into `admin`'s organization with `role` and accepts as a new account.
    func join(_ admin: Account, role: String, email: String = "member-\(UUID().uuidString.prefix(8).lowercased())@example.com") async throws
        -> Account
    {
        let invited = try await request(
            .post,
            "/api/v1/organizations/current/invitations/",
            json: ["email": email, "role": role],
            token: admin.access
        )
        guard invited.status == .created, let token = try invited.json()["token"] as? String else {
            throw TestFailure("invite answered \(invited.status): \(invited.text)")
        }
        let password = "another fine password"
        let accepted = try await request(
            .post,
            "/api/v1/invitations/accept/",
            json: ["token": token, "password": password, "full_name": "Invited \(role)"]
        )
        guard accepted.status == .created else { throw TestFailure("accept answered \(accepted.status): \(accepted.text)") }
        let body = try accepted.json()
        return Account(
            email: email,
            password: password,
            access: body["access"] as? String ?? "",
            refresh: body["refresh"] as? String ?? "",
            userID: (body["user"] as? [String: Any])?["id"] as? String ?? "",
            organizationID: admin.organizationID
        )
    }
}

struct Account: Sendable {
    let email: String
    let password: String
    var access: String
    var refresh: String
    let userID: String
    let organizationID: String
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// `withAPI` with loopback trusted as a proxy, so `APIClient` addresses count as client IPs.
func withIdentityAPI<Value: Sendable>(
    extra: [String: String] = [:],
    _ body: @Sendable (APIClient, AppConfig) async throws -> Value
) async throws -> Value {
    try await withAPI(extra: ["TRUSTED_PROXIES": "127.0.0.1/8,::1"].merging(extra) { _, new in new }) { client, config in
        try await body(APIClient(client), config)
    }
}
