import Core
import Foundation
import HTTPTypes
import TestSupport
import Testing

@testable import AuditAPI

/// The isolation and role matrix. Every endpoint that acts on an organization's data has a row:
/// which roles may call it and what success looks like. For each row the test calls it with each
/// role (others must get 403), with ids from another organization (404 for every role, ids never
/// leak), and anonymously (401). Later features add their rows to `rules`.
@Suite("Access matrix")
struct AccessMatrixTests {
    struct Rule: Sendable, CustomTestStringConvertible {
        let method: HTTPRequest.Method
        /// May contain `{member}`, `{invitation}`, `{integration}`, `{audit}` (finished),
        /// `{pending_audit}`, `{report}` (PENDING), `{ready_report}`, `{schedule}` and
        /// `{disabled_schedule}`: a fresh target in the
        /// organization under test.
        let path: String
        let body: [String: any Sendable]?
        let allowed: Set<Role>
        let success: HTTPResponse.Status

        var takesID: Bool { path.contains("{") }
        var testDescription: String { "\(method) \(path)" }
    }

    static let everyone: Set<Role> = [.admin, .member, .viewer]

    static let rules: [Rule] = [
        Rule(method: .get, path: "/api/v1/organizations/current/", body: nil, allowed: everyone, success: .ok),
        Rule(method: .patch, path: "/api/v1/organizations/current/", body: ["name": "Renamed"], allowed: [.admin], success: .ok),
        Rule(method: .get, path: "/api/v1/organizations/current/members/", body: nil, allowed: everyone, success: .ok),
        Rule(
            method: .patch,
            path: "/api/v1/organizations/current/members/{member}/",
            body: ["role": "MEMBER"],
            allowed: [.admin],
            success: .ok
        ),
        Rule(method: .delete, path: "/api/v1/organizations/current/members/{member}/", body: nil, allowed: [.admin], success: .noContent),
        Rule(method: .get, path: "/api/v1/organizations/current/invitations/", body: nil, allowed: [.admin], success: .ok),
        Rule(
            method: .post,
            path: "/api/v1/organizations/current/invitations/",
            body: ["email": "someone-new@example.com", "role": "VIEWER"],
            allowed: [.admin],
            success: .created
        ),
        Rule(
            method: .delete,
            path: "/api/v1/organizations/current/invitations/{invitation}/",
            body: nil,
            allowed: [.admin],
            success: .noContent
        ),
        Rule(method: .get, path: "/api/v1/audit-log/", body: nil, allowed: [.admin], success: .ok),
        Rule(method: .get, path: "/api/v1/integrations/", body: nil, allowed: [.admin, .member, .viewer], success: .ok),
        Rule(method: .post, path: "/api/v1/integrations/github/", body: ["token": matrixToken], allowed: [.admin], success: .created),
        Rule(method: .post, path: "/api/v1/integrations/github/authorize/", body: nil, allowed: [.admin], success: .ok),
        Rule(method: .delete, path: "/api/v1/integrations/{integration}/", body: nil, allowed: [.admin], success: .noContent),
        Rule(method: .get, path: "/api/v1/integrations/{integration}/repositories/", body: nil, allowed: [.admin], success: .ok),
        Rule(method: .post, path: "/api/v1/billing/checkout/", body: ["plan": "pro"], allowed: [.admin], success: .ok),
        Rule(method: .post, path: "/api/v1/billing/portal/", body: nil, allowed: [.admin], success: .ok),
        Rule(method: .get, path: "/api/v1/billing/subscription/", body: nil, allowed: everyone, success: .ok),
        Rule(method: .post, path: "/api/v1/audits/start/", body: [:], allowed: [.admin, .member], success: .accepted),
        Rule(method: .get, path: "/api/v1/audits/", body: nil, allowed: everyone, success: .ok),
        Rule(method: .get, path: "/api/v1/audits/{audit}/", body: nil, allowed: everyone, success: .ok),
        Rule(method: .get, path: "/api/v1/audits/{audit}/evidence/", body: nil, allowed: everyone, success: .ok),
        Rule(method: .get, path: "/api/v1/audits/{audit}/events/", body: nil, allowed: everyone, success: .ok),
        Rule(method: .get, path: "/api/v1/audits/{audit}/verify/", body: nil, allowed: everyone, success: .ok),
        Rule(method: .get, path: "/api/v1/audits/{audit}/diff/?against={audit}", body: nil, allowed: everyone, success: .ok),
        Rule(method: .post, path: "/api/v1/audits/{pending_audit}/cancel/", body: nil, allowed: [.admin, .member], success: .ok),
        Rule(method: .get, path: "/api/v1/checks/", body: nil, allowed: everyone, success: .ok),
        Rule(method: .post, path: "/api/v1/audits/{audit}/reports/", body: nil, allowed: [.admin, .member], success: .accepted),
        Rule(method: .get, path: "/api/v1/audits/{audit}/reports/", body: nil, allowed: everyone, success: .ok),
        Rule(method: .get, path: "/api/v1/reports/{report}/", body: nil, allowed: everyone, success: .ok),
        Rule(method: .get, path: "/api/v1/reports/{ready_report}/download/", body: nil, allowed: everyone, success: .ok),
        Rule(method: .head, path: "/api/v1/reports/{ready_report}/download/", body: nil, allowed: everyone, success: .ok),
        Rule(method: .get, path: "/api/v1/schedules/", body: nil, allowed: everyone, success: .ok),
        Rule(
            method: .post,
            path: "/api/v1/schedules/",
            body: ["name": "Nightly", "cron": "@daily", "timezone": "Europe/Berlin"],
            allowed: [.admin, .member],
            success: .created
        ),
        Rule(method: .get, path: "/api/v1/schedules/{schedule}/", body: nil, allowed: everyone, success: .ok),
        Rule(method: .patch, path: "/api/v1/schedules/{schedule}/", body: ["name": "Renamed"], allowed: [.admin, .member], success: .ok),
        Rule(
            method: .patch,
            path: "/api/v1/schedules/{disabled_schedule}/",
            body: ["enabled": true],
            allowed: [.admin, .member],
            success: .ok
        ),
        Rule(method: .delete, path: "/api/v1/schedules/{schedule}/", body: nil, allowed: [.admin, .member], success: .noContent),
    ]

    /// The token the fake GitHub accepts for the matrix's integration rows.
    static let matrixToken = "ghp_accessMatrix"

    /// Fills the placeholders with new targets in `organization`.
    static func resolve(_ path: String, in organization: UUID, config: AppConfig) async throws -> String {
        let database = config.database
        var resolved = path
        if resolved.contains("{integration}") {
            let integration = try await IdentityFixtures.integration(
                in: organization,
                token: matrixToken,
                baseURL: config.github.apiURL,
                fernetKeys: config.secrets.fernetKeys,
                database: database
            )
            resolved = resolved.replacingOccurrences(of: "{integration}", with: integration.apiString)
        }
        if resolved.contains("{audit}") {
            let audit = try await IdentityFixtures.audit(in: organization, status: "PASS", database: database)
            resolved = resolved.replacingOccurrences(of: "{audit}", with: audit.apiString)
        }
        if resolved.contains("{pending_audit}") {
            let audit = try await IdentityFixtures.audit(in: organization, status: "PENDING", database: database)
            resolved = resolved.replacingOccurrences(of: "{pending_audit}", with: audit.apiString)
        }
        if resolved.contains("{disabled_schedule}") {
            let schedule = try await IdentityFixtures.schedule(in: organization, database: database, enabled: false)
            resolved = resolved.replacingOccurrences(of: "{disabled_schedule}", with: schedule.apiString)
        }
        if resolved.contains("{schedule}") {
            let schedule = try await IdentityFixtures.schedule(in: organization, database: database)
            resolved = resolved.replacingOccurrences(of: "{schedule}", with: schedule.apiString)
        }
        if resolved.contains("{ready_report}") {
            let report = try await IdentityFixtures.report(in: organization, status: "READY", database: database)
            resolved = resolved.replacingOccurrences(of: "{ready_report}", with: report.apiString)
        }
        if resolved.contains("{report}") {
            let report = try await IdentityFixtures.report(in: organization, status: "PENDING", database: database)
            resolved = resolved.replacingOccurrences(of: "{report}", with: report.apiString)
        }
        if resolved.contains("{member}") {
            let member = try await IdentityFixtures.member(in: organization, role: .viewer, database: database)
            resolved = resolved.replacingOccurrences(of: "{member}", with: member.apiString)
        }
        if resolved.contains("{invitation}") {
            let invitation = try await IdentityFixtures.invitation(in: organization, database: database)
            resolved = resolved.replacingOccurrences(of: "{invitation}", with: invitation.apiString)
        }
        return resolved
    }

    @Test(arguments: rules)
    func rule(_ rule: Rule) async throws {
        let github = try await FakeGitHub()
        defer { github.shutdown() }
        github.configure {
            $0.grants[Self.matrixToken] = .init(login: "octocat")
            $0.set("/user/repos", json: [["id": 1, "full_name": "octocat/hello"]])
        }
        let stripe = try await FakeStripe(prices: ["price_pro"])
        defer { stripe.shutdown() }
        let environment = [
            "GITHUB_API_URL": github.apiURL, "GITHUB_WEB_URL": github.webURL,
            "GITHUB_CLIENT_ID": "Iv1.matrix", "GITHUB_CLIENT_SECRET": "matrix-secret",
            "STRIPE_API_URL": stripe.url, "STRIPE_SECRET_KEY": FakeStripe.secretKey, "STRIPE_PRICES": "pro=price_pro",
        ]
        try await withIdentityAPI(extra: environment) { api, config in
            let admin = try await api.register()
            let tokens: [Role: String] = [
                .admin: admin.access,
                .member: try await api.join(admin, role: "MEMBER").access,
                .viewer: try await api.join(admin, role: "VIEWER").access,
            ]
            let organization = try UUID(pathParameter: admin.organizationID)
            let foreign = try UUID(pathParameter: try await api.register().organizationID)
            // Starting an audit needs a GitHub integration in the organization.
            _ = try await IdentityFixtures.integration(
                in: organization,
                token: Self.matrixToken,
                baseURL: config.github.apiURL,
                fernetKeys: config.secrets.fernetKeys,
                database: config.database
            )

            for role in Role.allCases {
                let path = try await Self.resolve(rule.path, in: organization, config: config)
                let response = try await api.request(rule.method, path, json: rule.body, token: tokens[role])
                let expected: HTTPResponse.Status = rule.allowed.contains(role) ? rule.success : .forbidden
                #expect(response.status == expected, "\(role) \(rule.method) \(path): \(response.text)")
                // HEAD answers carry no body to read the detail from.
                if expected == .forbidden && rule.method != .head {
                    #expect(try response.json()["detail"] as? String == "You do not have permission to perform this action.")
                }
            }
            if rule.takesID {
                for role in Role.allCases {
                    let path = try await Self.resolve(rule.path, in: foreign, config: config)
                    let response = try await api.request(rule.method, path, json: rule.body, token: tokens[role])
                    #expect(response.status == .notFound, "\(role) with another organization's id: \(path)")
                    if rule.method != .head { #expect(try response.json()["detail"] as? String == "Not found.") }
                }
            }
            let path = try await Self.resolve(rule.path, in: organization, config: config)
            let anonymous = try await api.request(rule.method, path, json: rule.body)
            #expect(anonymous.status == .unauthorized)
        }
    }
}
