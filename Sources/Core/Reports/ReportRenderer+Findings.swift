import Foundation

extension ReportRenderer {
    static func findings(_ facts: ReportFacts, _ document: PDFDocument) {
        document.beginSection("Findings")
        document.heading("Findings", style: .heading1)
        let failed = facts.failed
        if failed.isEmpty {
            document.paragraph("No check failed on any resource.")
        } else {
            document.paragraph(
                "Each failed check, most severe first: what the audit saw on each resource where it failed, why it matters, "
                    + "and how to fix it. The raw GitHub answers behind each verdict are in the evidence appendix."
            )
        }
        for (index, check) in failed.enumerated() {
            document.heading("\(index + 1). \(check.title)", style: .heading2, keepWith: 90)
            let controls =
                (check.soc2.isEmpty ? [] : ["SOC 2 " + check.soc2.joined(separator: ", ")])
                + (check.iso27001.isEmpty ? [] : ["ISO 27001 " + check.iso27001.joined(separator: ", ")])
            document.paragraph(
                "<span foreground=\"\(hex(Color.of(check.severity)))\"><b>\(check.severity.rawValue)</b></span> · "
                    + "<tt>\(escaped(check.checkID))</tt> · failed on \(check.count(.fail)) of \(check.rows.count) resources"
                    + (controls.isEmpty ? "" : " · " + escaped(controls.joined(separator: " · "))),
                style: .small,
                markup: true
            )
            document.heading("What was seen", style: .heading3, keepWith: 24)
            for row in check.rows where row.status == .fail {
                document.paragraph("<b>\(escaped(row.resource))</b>: \(escaped(row.sentence))", style: .body, indent: 10, markup: true)
            }
            if !check.rationale.isEmpty {
                document.heading("Why it matters", style: .heading3, keepWith: 24)
                document.paragraph(check.rationale, indent: 10)
            }
            if !check.remediation.isEmpty {
                document.heading("How to fix it", style: .heading3, keepWith: 24)
                document.paragraph(check.remediation, indent: 10)
            }
            document.space(6)
        }
        let errored = facts.checks.filter { $0.count(.error) > 0 }
        if !errored.isEmpty {
            document.heading("Results that could not be evaluated", style: .heading2)
            document.paragraph(
                "GitHub's answers did not allow a verdict (missing permission, unavailable feature, or an error). These are not "
                    + "failures, but the controls they support are not evidenced by this audit.",
                style: .small
            )
            for check in errored {
                for row in check.rows where row.status == .error {
                    document.paragraph(
                        "<b>\(escaped(check.title))</b> on <b>\(escaped(row.resource))</b>: \(escaped(row.sentence))",
                        indent: 10,
                        markup: true
                    )
                }
            }
        }
    }
}
