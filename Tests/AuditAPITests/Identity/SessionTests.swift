import Core
import Foundation
import HTTPTypes
import TestSupport
import Testing

@testable import AuditAPI

@Suite("Cookie sessions and CSRF")
struct SessionTests {
    /// `name=value` of each Set-Cookie header, and the attributes of each.
    static func cookies(_ headers: HTTPFields) -> [String: (value: String, attributes: Set<String>)] {
        var result: [String: (String, Set<String>)] = [:]
        for header in headers[values: .setCookie] {
            let parts = header.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let pair = parts.first?.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false), pair.count == 2 else {
                continue
            }
            result[String(pair[0])] = (String(pair[1]), Set(parts.dropFirst().map { $0.lowercased() }))
        }
        return result
    }

    @Test func sessionLoginCookiesAndCSRF() async throws {
        try await withIdentityAPI { api, _ in
            let account = try await api.register()
            let login = try await api.request(.post, "/api/v1/auth/session/", json: ["email": account.email, "password": account.password])
            #expect(login.status == .ok)
            #expect(try login.json()["email"] as? String == account.email)
            let cookies = Self.cookies(login.headers)
            let session = try #require(cookies["sessionid"])
            let csrf = try #require(cookies["csrftoken"])
            #expect(session.attributes.contains("httponly"))
            #expect(session.attributes.contains("samesite=lax"))
            #expect(session.attributes.contains("path=/"))
            #expect(!session.attributes.contains("secure"), "not Secure in development")
            #expect(!csrf.attributes.contains("httponly"), "the SPA must read the CSRF cookie")
            let cookieHeader = "sessionid=\(session.value); csrftoken=\(csrf.value)"

            let me = try await api.request(.get, "/api/v1/users/me/", headers: [.cookie: cookieHeader])
            #expect(me.status == .ok)

            let noToken = try await api.request(
                .patch,
                "/api/v1/users/me/",
                json: ["full_name": "Cookie"],
                headers: [.cookie: cookieHeader]
            )
            #expect(noToken.status == .forbidden)
            #expect(try noToken.json()["detail"] as? String == "CSRF Failed: CSRF token missing or incorrect.")

            let wrongToken = try await api.request(
                .patch,
                "/api/v1/users/me/",
                json: ["full_name": "Cookie"],
                headers: [.cookie: cookieHeader, .csrfToken: "forged"]
            )
            #expect(wrongToken.status == .forbidden)

            // A token from another session does not match this session's, even when both cookie and header agree.
            let otherLogin = try await api.request(
                .post,
                "/api/v1/auth/session/",
                json: ["email": account.email, "password": account.password]
            )
            let otherCSRF = try #require(Self.cookies(otherLogin.headers)["csrftoken"]?.value)
            let crossed = try await api.request(
                .patch,
                "/api/v1/users/me/",
                json: ["full_name": "Cookie"],
                headers: [.cookie: "sessionid=\(session.value); csrftoken=\(otherCSRF)", .csrfToken: otherCSRF]
            )
            #expect(crossed.status == .forbidden)

            let good = try await api.request(
                .patch,
                "/api/v1/users/me/",
                json: ["full_name": "Cookie Monster"],
                headers: [.cookie: cookieHeader, .csrfToken: csrf.value]
            )
            #expect(good.status == .ok)
            #expect(try good.json()["full_name"] as? String == "Cookie Monster")

            let logout = try await api.request(.delete, "/api/v1/auth/session/", headers: [.cookie: cookieHeader, .csrfToken: csrf.value])
            #expect(logout.status == .noContent)
            let cleared = Self.cookies(logout.headers)
            #expect(cleared["sessionid"]?.value == "")
            #expect(cleared["sessionid"]?.attributes.contains("max-age=0") == true)
            #expect(try await api.request(.get, "/api/v1/users/me/", headers: [.cookie: cookieHeader]).status == .unauthorized)
        }
    }

    @Test func productionCookiesAreSecure() async throws {
        try await withIdentityAPI(extra: TestEnvironment.productionSettings) { api, _ in
            let account = try await api.register()
            let login = try await api.request(.post, "/api/v1/auth/session/", json: ["email": account.email, "password": account.password])
            let cookies = Self.cookies(login.headers)
            #expect(cookies["sessionid"]?.attributes.contains("secure") == true)
            #expect(cookies["csrftoken"]?.attributes.contains("secure") == true)
        }
    }
}
