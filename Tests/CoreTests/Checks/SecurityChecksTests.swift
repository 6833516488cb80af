import Foundation
import Testing

@testable import Core

@Suite("Security checks")
struct SecurityChecksTests {
    static let repoPath = "/repos/acme/api"
    static let nonAdmin = Fixture.target(Fixture.repository(admin: false))
    static let publicRepository = Fixture.target(Fixture.repository(visibility: "public"))

    /// `GET /repos/acme/api`; `analysis` is the `security_and_analysis` object (nil: not shown).
    static func repository(visibility: String = "private", analysis: String?) -> CheckAnswer {
        let analysisField = analysis.map { #","security_and_analysis":\#($0)"# } ?? ""
        return Fixture.ok(
            #"{"id":1,"name":"api","full_name":"acme/api","private":\#(visibility != "public"),"visibility":"\#(visibility)","archived":false,"default_branch":"main"\#(analysisField)}"#
        )
    }

    static func analysis(
        advancedSecurity: String = "enabled",
        secretScanning: String = "enabled",
        pushProtection: String = "enabled",
        updates: String = "enabled"
    )
        -> String
    {
        #"{"advanced_security":{"status":"\#(advancedSecurity)"},"secret_scanning":{"status":"\#(secretScanning)"},"secret_scanning_push_protection":{"status":"\#(pushProtection)"},"dependabot_security_updates":{"status":"\#(updates)"}}"#
    }

    static let archived = Fixture.target(Fixture.repository(archived: true))

    // MARK: secret_scanning_enabled

    @Test func secretScanningEnabled() {
        let check = SecurityChecks.SecretScanningEnabled()
        expectVerdict(
            Fixture.run(check, Fixture.target(), [Self.repoPath: Self.repository(analysis: Self.analysis())]),
            .pass,
            "Secret scanning is enabled on acme/api"
        )
        expectVerdict(
            Fixture.run(
                check,
                Self.publicRepository,
                [Self.repoPath: Self.repository(visibility: "public", analysis: #"{"secret_scanning":{"status":"disabled"}}"#)]
            ),
            .fail,
            "Secret scanning is disabled on acme/api"
        )
        expectVerdict(
            Fixture.run(check, Fixture.target(), [Self.repoPath: Self.repository(analysis: Self.analysis(secretScanning: "disabled"))]),
            .fail,
            "disabled"
        )
        expectVerdict(
            Fixture.run(
                check,
                Fixture.target(),
                [Self.repoPath: Self.repository(analysis: Self.analysis(advancedSecurity: "disabled", secretScanning: "disabled"))]
            ),
            .notApplicable,
            "private and has neither Secret Protection nor Advanced Security"
        )
        expectVerdict(
            Fixture.run(check, Self.nonAdmin, [Self.repoPath: Self.repository(analysis: nil)]),
            .error,
            "did not show security_and_analysis"
        )
        expectVerdict(Fixture.run(check, Fixture.target(), [Self.repoPath: Fixture.notFound]), .error, "Not Found")
        expectVerdict(Fixture.run(check, Self.archived, [:]), .notApplicable, "archived")
    }

    // MARK: secret_push_protection_enabled

    static let secretAlerts = "/repos/acme/api/secret-scanning/alerts?state=open"
    static let secretScanningDisabled = Fixture.failure(404, "Secret scanning is disabled on this repository.")

    @Test func secretPushProtection() {
        let check = SecurityChecks.SecretPushProtection()
        let enabled = Self.repository(analysis: Self.analysis())
        expectVerdict(
            Fixture.run(check, Fixture.target(), [Self.repoPath: enabled, Self.secretAlerts: Fixture.ok("[]")]),
            .pass,
            "Push protection is enabled on acme/api and no secret-scanning alert is open"
        )
        expectVerdict(
            Fixture.run(
                check,
                Fixture.target(),
                [Self.repoPath: Self.repository(analysis: Self.analysis(pushProtection: "disabled")), Self.secretAlerts: Fixture.ok("[]")]
            ),
            .fail,
            "push protection is disabled"
        )
        expectVerdict(
            Fixture.run(
                check,
                Fixture.target(),
                [
                    Self.repoPath: enabled,
                    Self.secretAlerts: Fixture.ok(
                        #"[{"number":2,"state":"open","secret_type":"aws_access_key_id","secret_type_display_name":"AWS Access Key ID","created_at":"2026-01-05T10:00:00Z"}]"#
                    ),
                ]
            ),
            .fail,
            "1 secret-scanning alert open: #2 AWS Access Key ID since 2026-01-05"
        )
        expectVerdict(
            Fixture.run(check, Fixture.target(), [Self.repoPath: enabled, Self.secretAlerts: Self.secretScanningDisabled]),
            .fail,
            "secret scanning is off"
        )
    }

    @Test func secretPushProtectionCannotSee() {
        let check = SecurityChecks.SecretPushProtection()
        let enabled = Self.repository(analysis: Self.analysis())
        // A non-admin's 404 "disabled" may be GitHub hiding the alerts.
        expectVerdict(
            Fixture.run(check, Self.nonAdmin, [Self.repoPath: enabled, Self.secretAlerts: Self.secretScanningDisabled]),
            .error,
            "not a repository admin"
        )
        expectVerdict(
            Fixture.run(check, Fixture.target(), [Self.repoPath: enabled, Self.secretAlerts: Fixture.noIntegrationAccess]),
            .error,
            "secret-scanning alerts"
        )
        expectVerdict(
            Fixture.run(check, Self.nonAdmin, [Self.repoPath: Self.repository(analysis: nil), Self.secretAlerts: Fixture.ok("[]")]),
            .error,
            "security_and_analysis"
        )
        expectVerdict(
            Fixture.run(
                check,
                Fixture.target(),
                [
                    Self.repoPath: Self.repository(analysis: Self.analysis(advancedSecurity: "disabled", pushProtection: "disabled")),
                    Self.secretAlerts: Fixture.upgrade,
                ]
            ),
            .notApplicable,
            "neither Secret Protection nor Advanced Security"
        )
        expectVerdict(Fixture.run(check, Self.archived, [:]), .notApplicable, "archived")
    }

    // MARK: dependabot_alerts_enabled

    static let vulnerabilityAlerts = "/repos/acme/api/vulnerability-alerts"
    static let alertsDisabled = Fixture.failure(404, "Vulnerability alerts are disabled.")

    @Test func dependabotAlertsEnabled() {
        let check = SecurityChecks.DependabotAlertsEnabled()
        expectVerdict(
            Fixture.run(check, Fixture.target(), [Self.vulnerabilityAlerts: Fixture.noContent]),
            .pass,
            "enabled on acme/api (GitHub answered 204)"
        )
        expectVerdict(
            Fixture.run(check, Fixture.target(), [Self.vulnerabilityAlerts: Self.alertsDisabled]),
            .fail,
            "disabled on acme/api",
            "Vulnerability alerts are disabled."
        )
        expectVerdict(Fixture.run(check, Self.nonAdmin, [Self.vulnerabilityAlerts: Self.alertsDisabled]), .error, "not a repository admin")
        expectVerdict(Fixture.run(check, Fixture.target(), [Self.vulnerabilityAlerts: Fixture.notFound]), .error, "Not Found")
        expectVerdict(Fixture.run(check, Fixture.target(), [Self.vulnerabilityAlerts: Fixture.upgrade]), .notApplicable, "plan")
        expectVerdict(Fixture.run(check, Self.archived, [:]), .notApplicable, "archived")
    }

    // MARK: dependabot_security_updates

    static let securityFixes = "/repos/acme/api/automated-security-fixes"

    @Test func dependabotSecurityUpdates() {
        let check = SecurityChecks.DependabotSecurityUpdates()
        expectVerdict(
            Fixture.run(check, Fixture.target(), [Self.securityFixes: Fixture.ok(#"{"enabled":true,"paused":false}"#)]),
            .pass,
            "enabled on acme/api"
        )
        expectVerdict(
            Fixture.run(check, Fixture.target(), [Self.securityFixes: Fixture.ok(#"{"enabled":true,"paused":true}"#)]),
            .fail,
            "enabled but paused"
        )
        expectVerdict(
            Fixture.run(check, Fixture.target(), [Self.securityFixes: Fixture.ok(#"{"enabled":false,"paused":false}"#)]),
            .fail,
            "disabled"
        )
        expectVerdict(Fixture.run(check, Fixture.target(), [Self.securityFixes: Fixture.notFound]), .fail, "not enabled", "404")
        // Without admin a 404 proves nothing; the repository's security_and_analysis may still tell.
        expectVerdict(
            Fixture.run(
                check,
                Self.nonAdmin,
                [Self.securityFixes: Fixture.notFound, Self.repoPath: Self.repository(analysis: Self.analysis())]
            ),
            .pass,
            "security_and_analysis shows Dependabot security updates enabled"
        )
        expectVerdict(
            Fixture.run(
                check,
                Self.nonAdmin,
                [Self.securityFixes: Fixture.notFound, Self.repoPath: Self.repository(analysis: Self.analysis(updates: "disabled"))]
            ),
            .fail,
            "security updates disabled"
        )
        expectVerdict(
            Fixture.run(check, Self.nonAdmin, [Self.securityFixes: Fixture.notFound, Self.repoPath: Self.repository(analysis: nil)]),
            .error,
            "Not Found"
        )
        expectVerdict(Fixture.run(check, Fixture.target(), [Self.securityFixes: Fixture.noTokenAccess]), .error, "personal access token")
        expectVerdict(Fixture.run(check, Self.archived, [:]), .notApplicable, "archived")
    }

    // MARK: dependabot_open_alerts

    static let dependabotAlerts = "/repos/acme/api/dependabot/alerts?state=open&severity=critical,high"

    static func dependabotAlert(number: Int, severity: String, package: String, created: String) -> String {
        #"{"number":\#(number),"state":"open","dependency":{"package":{"ecosystem":"npm","name":"\#(package)"}},"security_advisory":{"ghsa_id":"GHSA-abcd-1234-efgh","severity":"\#(severity)","summary":"Prototype pollution"},"security_vulnerability":{"package":{"ecosystem":"npm","name":"\#(package)"},"severity":"\#(severity)"},"created_at":"\#(created)"}"#
    }

    @Test func dependabotOpenAlerts() {
        let check = SecurityChecks.DependabotOpenAlerts()
        expectVerdict(
            Fixture.run(
                check,
                Fixture.target(),
                [
                    Self.dependabotAlerts: Fixture.ok(
                        "[\(Self.dependabotAlert(number: 3, severity: "high", package: "axios", created: Fixture.daysAgo(5)))]"
                    )
                ]
            ),
            .pass,
            "1 open critical or high Dependabot alert, none older than 30 days"
        )
        expectVerdict(
            Fixture.run(
                check,
                Fixture.target(),
                [
                    Self.dependabotAlerts: Fixture.pages(
                        "[\(Self.dependabotAlert(number: 3, severity: "high", package: "axios", created: Fixture.daysAgo(5)))]",
                        "[\(Self.dependabotAlert(number: 12, severity: "critical", package: "lodash", created: "2025-12-01T00:00:00Z"))]"
                    )
                ]
            ),
            .fail,
            "1 critical or high Dependabot alert open longer than 30 days: #12 critical lodash open since 2025-12-01"
        )
        expectVerdict(
            Fixture.run(
                check,
                Fixture.target(),
                [Self.dependabotAlerts: Fixture.failure(403, "Dependabot alerts are disabled for this repository.")]
            ),
            .fail,
            "Dependabot alerts are disabled"
        )
        expectVerdict(
            Fixture.run(check, Fixture.target(), [Self.dependabotAlerts: Fixture.noIntegrationAccess]),
            .error,
            "Resource not accessible by integration"
        )
        expectVerdict(Fixture.run(check, Fixture.target(), [Self.dependabotAlerts: Fixture.upgrade]), .notApplicable, "plan")
        expectVerdict(Fixture.run(check, Self.archived, [:]), .notApplicable, "archived")
    }

    // MARK: code_scanning_enabled

    static let defaultSetup = "/repos/acme/api/code-scanning/default-setup"
    static let codeAlerts = "/repos/acme/api/code-scanning/alerts?state=open"
    static let configured = Fixture.ok(#"{"state":"configured","languages":["javascript"],"query_suite":"default"}"#)
    static let notConfigured = Fixture.ok(#"{"state":"not-configured","languages":[]}"#)
    static let noAnalysis = Fixture.failure(404, "no analysis found")

    static func codeAlert(number: Int, level: String, rule: String) -> String {
        #"{"number":\#(number),"state":"open","rule":{"id":"\#(rule)","severity":"error","security_severity_level":"\#(level)"},"tool":{"name":"CodeQL"}}"#
    }

    @Test func codeScanningEnabledPasses() {
        let check = SecurityChecks.CodeScanningEnabled()
        expectVerdict(
            Fixture.run(
                check,
                Fixture.target(),
                [
                    Self.defaultSetup: Self.configured,
                    Self.codeAlerts: Fixture.ok("[\(Self.codeAlert(number: 1, level: "medium", rule: "js/xss"))]"),
                ]
            ),
            .pass,
            "CodeQL default setup is configured; 1 open alert, none critical or high"
        )
        expectVerdict(
            Fixture.run(check, Fixture.target(), [Self.defaultSetup: Self.notConfigured, Self.codeAlerts: Fixture.ok("[]")]),
            .pass,
            "code scanning has analyses"
        )
        expectVerdict(
            Fixture.run(check, Self.nonAdmin, [Self.defaultSetup: Self.configured, Self.codeAlerts: Self.noAnalysis]),
            .pass,
            "no analysis has completed yet"
        )
    }

    @Test func codeScanningEnabledFails() {
        let check = SecurityChecks.CodeScanningEnabled()
        expectVerdict(
            Fixture.run(
                check,
                Fixture.target(),
                [
                    Self.defaultSetup: Self.configured,
                    Self.codeAlerts: Fixture.ok("[\(Self.codeAlert(number: 4, level: "high", rule: "js/sql-injection"))]"),
                ]
            ),
            .fail,
            "1 critical or high code-scanning alert open: #4 high js/sql-injection"
        )
        expectVerdict(
            Fixture.run(check, Fixture.target(), [Self.defaultSetup: Self.notConfigured, Self.codeAlerts: Self.noAnalysis]),
            .fail,
            "no analysis found"
        )
        expectVerdict(
            Fixture.run(
                check,
                Self.nonAdmin,
                [
                    Self.defaultSetup: Self.notConfigured,
                    Self.codeAlerts: Fixture.failure(
                        403,
                        "Code scanning is not enabled for this repository. Please enable code scanning in the repository settings."
                    ),
                ]
            ),
            .fail,
            "Code scanning is not set up"
        )
    }

    @Test func codeScanningEnabledCannotSee() {
        let check = SecurityChecks.CodeScanningEnabled()
        expectVerdict(
            Fixture.run(check, Self.nonAdmin, [Self.defaultSetup: Fixture.notFound, Self.codeAlerts: Self.noAnalysis]),
            .error,
            "not a repository admin"
        )
        expectVerdict(
            Fixture.run(check, Fixture.target(), [Self.defaultSetup: Fixture.sso, Self.codeAlerts: Fixture.sso]),
            .error,
            "SAML SSO"
        )
        expectVerdict(
            Fixture.run(check, Fixture.target(), [Self.defaultSetup: Fixture.advancedSecurity, Self.codeAlerts: Fixture.advancedSecurity]),
            .notApplicable,
            "Advanced Security must be enabled"
        )
        expectVerdict(Fixture.run(check, Self.archived, [:]), .notApplicable, "archived")
    }
}
