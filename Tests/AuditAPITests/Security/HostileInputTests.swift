import Foundation
import HTTPTypes
import TestSupport
import Testing

@testable import AuditAPI

extension Security {
    /// Numbers and ids no client should send: each gets DRF's answer, never a 500 or a crash.
    @Suite("hostile input")
    struct HostileInputTests {
        @Test func pageNumbersOutOfRangeAreInvalidPages() async throws {
            try await withIdentityAPI { api, _ in
                let admin = try await api.register()
                for path in ["/api/v1/audits/", "/api/v1/checks/", "/api/v1/integrations/", "/api/v1/schedules/", "/api/v1/audit-log/"] {
                    for page in ["9223372036854775807", "-1", "0", "99999999999999999999", "abc", "1e308", "%00"] {
                        let response = try await api.request(.get, "\(path)?page=\(page)", token: admin.access)
                        #expect(response.status == .notFound, "\(path)?page=\(page) answered \(response.status): \(response.text)")
                        #expect(try response.json()["detail"] as? String == "Invalid page.", "\(path)?page=\(page)")
                    }
                }
                let fine = try await api.request(.get, "/api/v1/checks/?page=2", token: admin.access)
                #expect(fine.status == .ok)
            }
        }

        @Test func otherBadParametersNameTheParameter() async throws {
            try await withIdentityAPI { api, _ in
                let admin = try await api.register()
                let status = try await api.request(.get, "/api/v1/audits/?status=BOGUS", token: admin.access)
                #expect(status.status == .badRequest, "\(status.text)")
                #expect(try status.json()["status"] != nil, "\(status.text)")
                let id = try await api.request(.get, "/api/v1/audits/9223372036854775807/", token: admin.access)
                #expect(id.status == .notFound, "\(id.text)")
                let against = try await api.request(.get, "/api/v1/audits/\(UUID())/diff/?against=1e308", token: admin.access)
                #expect([.badRequest, .notFound].contains(against.status), "\(against.text)")
                let report = try await api.request(.get, "/api/v1/reports/-1/download/", token: admin.access)
                #expect(report.status == .notFound, "\(report.text)")
                for evidence in ["abc", "99999999999999999999", "-1", "1e308"] {
                    let row = try await api.request(.get, "/api/v1/audits/\(UUID())/evidence/\(evidence)/", token: admin.access)
                    #expect(row.status == .notFound, "\(evidence): \(row.text)")
                }
                // A cron step that would overflow arithmetic is just a step past the field's end.
                let cron = try await api.request(
                    .post,
                    "/api/v1/schedules/",
                    json: ["name": "x", "cron": "*/9223372036854775807 * * * *", "timezone": "UTC"],
                    token: admin.access
                )
                #expect(cron.status == .created, "\(cron.text)")
                #expect(try await api.request(.get, "/api/v1/healthz/", token: admin.access).status == .notFound, "still serving")
            }
        }
    }
}
