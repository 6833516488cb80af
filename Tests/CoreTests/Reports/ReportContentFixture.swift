import Foundation

@testable import Core

/// Report contents made in memory: realistic GitHub answers for many resources, with the awkward
/// cases (Unicode everywhere, emoji and right-to-left text, very long bodies) where asked.
enum ReportContentFixture {
    static let organization = "Müller & Søn 株式会社"

    /// A repository as `GET /repos/{owner}/{repo}` answers, compact (about 1.2 kB).
    static func repositoryBody(_ name: String, index: Int) -> String {
        """
        {"id":\(100_000 + index),"node_id":"R_kgDO\(index)","name":"\(name)","full_name":"acme/\(name)","private":\(index % 2 == 0),\
        "owner":{"login":"acme","id":1,"type":"Organization","site_admin":false},"html_url":"https://github.com/acme/\(name)",\
        "description":"Service \(index): façade für Zahlungen","fork":false,"created_at":"2024-01-0\(index % 9 + 1)T10:00:00Z",\
        "pushed_at":"2026-11-20T08:00:00Z","default_branch":"main","visibility":"\(index % 2 == 0 ? "private" : "internal")",\
        "archived":false,"disabled":false,"has_issues":true,"has_wiki":false,"allow_forking":false,"topics":["payments","pci"],\
        "security_and_analysis":{"secret_scanning":{"status":"enabled"},"secret_scanning_push_protection":{"status":"disabled"},\
        "dependabot_security_updates":{"status":"enabled"}},"permissions":{"admin":true,"maintain":true,"push":true,"pull":true},\
        "license":{"key":"mit","name":"MIT License"},"open_issues_count":\(index * 3),"watchers_count":\(index),"size":\(index * 1_024)}
        """
    }

    /// `rows` evidence rows over the first checks of the catalogue and `rows / checks` repositories;
    /// every fifth fails, every seventeenth is an ERROR.
    static func content(
        rows: Int,
        organization: String = organization,
        sentenceSuffix: String = "",
        limits: ReportLimits = ReportLimits(),
        extra: [ReportContent.Evidence] = []
    ) -> ReportContent {
        let checks = CheckCatalogue.all.filter { $0.definition.scope == .repository }.map(\.definition)
        var evidence: [ReportContent.Evidence] = []
        for index in 0..<rows {
            let check = checks[index % checks.count]
            let repository = "repo-\(index / checks.count + 1)"
            let status: CheckStatus = index % 17 == 3 ? .error : index % 5 == 0 ? .fail : index % 11 == 0 ? .notApplicable : .pass
            let body = repositoryBody(repository, index: index)
            evidence.append(
                ReportContent.Evidence(
                    checkID: check.id,
                    resource: "acme/\(repository)",
                    status: status,
                    severity: check.severity,
                    soc2: check.controls.soc2,
                    iso27001: check.controls.iso27001,
                    sentence: "\(check.title): acme/\(repository) has default_branch main and visibility set."
                        + sentenceSuffix,
                    collectedAt: Date(timeIntervalSince1970: 1_795_000_000 + Double(index)),
                    sha256: String(repeating: String(format: "%02x", index % 256), count: 32),
                    responses: [
                        ReportContent.Response(
                            method: "GET",
                            url: "https://api.github.com/repos/acme/\(repository)",
                            status: 200,
                            body: String(body.prefix(limits.bodyCharacters)),
                            length: body.count
                        )
                    ],
                    responseCount: 1
                )
            )
        }
        evidence += extra
        let failed = evidence.filter { $0.status == .fail }.count
        let audit = Audit(
            id: UUID(uuidString: "7a2c3a52-7f1e-4c43-9a55-2b1f0c6f1e01")!,
            organizationID: UUID(),
            integrationID: UUID(),
            repository: nil,
            checks: [],
            trigger: .manual,
            status: failed > 0 ? .fail : .pass,
            requestedBy: nil,
            createdAt: Date(timeIntervalSince1970: 1_794_999_000),
            startedAt: Date(timeIntervalSince1970: 1_794_999_010),
            finishedAt: Date(timeIntervalSince1970: 1_795_000_900),
            score: 71,
            summary: Audit.Summary(),
            progressDone: evidence.count,
            progressTotal: evidence.count,
            evidenceDigest: "d1g35t" + String(repeating: "0", count: 58),
            error: nil,
            pendingReason: nil,
            notBefore: nil
        )
        return ReportContent(
            reportID: UUID(uuidString: "0b7d2f4e-1111-4222-8333-944455566677")!,
            requestedAt: Date(timeIntervalSince1970: 1_795_001_000),
            organizationName: organization,
            audit: audit,
            githubAccount: "acme",
            evidence: ReportFacts.ordered(evidence),
            limits: limits
        )
    }

    /// One evidence row whose single answer is `body`.
    static func row(
        check: String = "secret_scanning_enabled",
        resource: String,
        status: CheckStatus = .fail,
        sentence: String,
        body: String
    )
        -> ReportContent.Evidence
    {
        let definition = CheckCatalogue.check(id: check)!.definition
        return ReportContent.Evidence(
            checkID: check,
            resource: resource,
            status: status,
            severity: definition.severity,
            soc2: definition.controls.soc2,
            iso27001: definition.controls.iso27001,
            sentence: sentence,
            collectedAt: Date(timeIntervalSince1970: 1_795_000_000),
            sha256: String(repeating: "ab", count: 32),
            responses: [
                ReportContent.Response(
                    method: "GET",
                    url: "https://api.github.com/repos/\(resource)",
                    status: 200,
                    body: body,
                    length: body.count
                )
            ],
            responseCount: 1
        )
    }
}
