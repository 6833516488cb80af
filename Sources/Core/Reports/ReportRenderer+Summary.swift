import Foundation

extension ReportRenderer {
    static func summary(_ content: ReportContent, _ facts: ReportFacts, _ document: PDFDocument) {
        let tally = facts.tally
        document.beginSection("Executive summary")
        document.heading("Executive summary", style: .heading1)
        let result =
            content.audit.status == .pass
            ? "The audit <b>passed</b>: no HIGH-severity check failed."
            : "The audit <b>failed</b>: at least one HIGH-severity check failed."
        let counts =
            "\(ReportFormat.count(facts.checks.count)) checks produced \(ReportFormat.count(tally.total)) results on "
            + "\(ReportFormat.count(facts.resources)) resources: \(ReportFormat.count(tally.count(.pass))) passed, "
            + "\(ReportFormat.count(tally.count(.fail))) failed, \(ReportFormat.count(tally.count(.error))) could not be "
            + "evaluated (ERROR) and \(ReportFormat.count(tally.count(.notApplicable))) did not apply."
        var score = ""
        if let value = content.audit.score {
            score = " The score, \(value) / 100, weighs the decided results by severity (HIGH 5, MEDIUM 3, LOW 1)."
        }
        document.paragraph(result + " " + counts + score, markup: true)
        document.space(4)
        document.barChart(
            title: "Results by status",
            bars: CheckStatus.allCases.map { ChartBar(label: label($0), value: tally.count($0), color: Color.of($0)) }
        )
        document.barChart(
            title: "Failed results by severity",
            bars: Severity.allCases.map { ChartBar(label: $0.rawValue, value: tally.count(.fail, $0), color: Color.of($0)) }
        )
        document.heading("Results by status and severity")
        let statuses = CheckStatus.allCases
        let columns =
            [TableColumn(title: "Severity", share: 1.3)] + statuses.map { TableColumn(title: label($0), share: 1) }
            + [TableColumn(title: "Total", share: 1)]
        var rows: [[TableCell]] = Severity.allCases.map { severity in
            [TableCell(severity.rawValue, style: .cellBold, color: Color.of(severity))]
                + statuses.map { TableCell(ReportFormat.count(tally.count($0, severity))) }
                + [TableCell(ReportFormat.count(tally.count(severity: severity)), style: .cellBold)]
        }
        rows.append(
            [TableCell("All", style: .cellBold)] + statuses.map { TableCell(ReportFormat.count(tally.count($0)), style: .cellBold) }
                + [TableCell(ReportFormat.count(tally.total), style: .cellBold)]
        )
        document.table(columns, rows: rows)

        let failed = facts.failed
        document.heading("Most severe findings")
        if failed.isEmpty {
            document.paragraph("No check failed.")
        } else {
            document.table(
                [
                    TableColumn(title: "Check", share: 3.2), TableColumn(title: "Severity", share: 0.9),
                    TableColumn(title: "Failed on", share: 1.3),
                ],
                rows: failed.prefix(12).map { check in
                    [
                        TableCell(escaped(check.title), markup: true),
                        TableCell(check.severity.rawValue, style: .cellBold, color: Color.of(check.severity)),
                        TableCell("\(check.count(.fail)) of \(check.rows.count) resources"),
                    ]
                }
            )
            if failed.count > 12 {
                document.paragraph("… and \(failed.count - 12) more failed checks, all listed under Findings.", style: .small)
            }
        }
    }

    static func controls(_ facts: ReportFacts, _ document: PDFDocument) {
        document.beginSection("Controls")
        document.heading("Control coverage", style: .heading1)
        document.paragraph(
            "Each control lists the checks that support it and how they ended across the audited resources. A check fails "
                + "when it failed on any resource; ERROR means GitHub's answers did not allow a verdict."
        )
        for (name, framework) in [
            ("SOC 2 (2017 Trust Services Criteria)", \ReportFacts.CheckResult.soc2), ("ISO/IEC 27001:2022 Annex A", \.iso27001),
        ] {
            document.heading(name)
            let controls = facts.controls(framework)
            if controls.isEmpty {
                document.paragraph("No check of this audit maps to this framework.", style: .small)
                continue
            }
            var rows: [[TableCell]] = []
            for control in controls {
                for check in control.checks {
                    rows.append([
                        TableCell(escaped(control.id), style: .cellBold, markup: true),
                        TableCell("\(escaped(check.title))\n<small><tt>\(escaped(check.checkID))</tt></small>", markup: true),
                        TableCell(colored(check.status), markup: true),
                        TableCell(outcome(check)),
                    ])
                }
            }
            document.table(
                [
                    TableColumn(title: "Control", share: 0.8), TableColumn(title: "Check", share: 3),
                    TableColumn(title: "Status", share: 0.8), TableColumn(title: "Resources", share: 1.5),
                ],
                rows: rows
            )
        }
    }

    /// `2 of 5 failed`, `5 passed`, `1 error, 4 passed`.
    static func outcome(_ check: ReportFacts.CheckResult) -> String {
        let parts = [
            (check.count(.fail), "failed"), (check.count(.error), "error"), (check.count(.pass), "passed"),
            (check.count(.notApplicable), "not applicable"),
        ].filter { $0.0 > 0 }.map { "\($0.0) \($0.1)" }
        return parts.joined(separator: ", ") + " (of \(check.rows.count))"
    }
}
