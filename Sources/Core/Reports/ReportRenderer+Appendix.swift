import Foundation

extension ReportRenderer {
    static func integrity(_ content: ReportContent, _ facts: ReportFacts, _ document: PDFDocument) {
        let audit = content.audit
        document.beginSection("Evidence integrity")
        document.heading("Evidence integrity", style: .heading1)
        document.fields([
            ("Evidence digest (SHA-256)", digest(audit.evidenceDigest)),
            ("Evidence rows", ReportFormat.count(content.evidence.count)),
            ("Audit finished", audit.finishedAt.map(ReportFormat.time) ?? "—"),
        ])
        document.paragraph(
            "Each evidence row's SHA-256 covers its check, resource, status, sentence, raw GitHub answers and collection time, "
                + "serialized as canonical JSON (sorted keys, times to the millisecond in UTC). The digest chains the row "
                + "hashes in (check, resource) order: starting from the empty string, each step is the SHA-256 of the previous "
                + "value followed by the next row's hash, so adding, removing, reordering or altering any row changes it. "
                + "<tt>GET /api/v1/audits/\(audit.id.apiString)/verify/</tt> recomputes every hash and the digest "
                + "from the stored evidence.",
            markup: true
        )
    }

    static func appendix(_ content: ReportContent, _ document: PDFDocument) {
        let limits = content.limits
        document.beginSection("Evidence appendix")
        document.heading("Evidence appendix", style: .heading1)
        document.paragraph(
            "Every evidence row, by check and resource: its verdict, collection time and SHA-256, and the raw GitHub answers it "
                + "was decided from, pretty-printed. Long answers are cut to their first \(limits.lines) lines and "
                + "\(ReportFormat.count(limits.bodyCharacters)) characters, at most \(limits.responsesPerEvidence) answers a row, "
                + "and each cut is marked; the complete answers are served by "
                + "<tt>GET /api/v1/audits/\(content.audit.id.apiString)/evidence/</tt>.",
            markup: true
        )
        var budget = limits.totalCharacters
        var announcedBudget = false
        for row in content.evidence {
            let title = CheckCatalogue.check(id: row.checkID)?.definition.title ?? row.checkID
            document.heading("\(title) — \(row.resource)", style: .heading3, keepWith: 50)
            document.paragraph(
                "<tt>\(escaped(row.checkID))</tt> · \(colored(row.status)) · \(row.severity.rawValue) · collected "
                    + "\(ReportFormat.time(row.collectedAt))\nSHA-256 <tt>\(row.sha256)</tt>",
                style: .small,
                markup: true
            )
            document.paragraph(row.sentence, style: TextStyle("DejaVu Sans 8.5", spaceAfter: 4), indent: 0)
            guard budget > 0 else {
                if !announcedBudget {
                    announcedBudget = true
                    document.paragraph(
                        "Raw answers are not printed from here on: this report's budget of "
                            + "\(ReportFormat.count(limits.totalCharacters)) characters of raw evidence is used up. The hashes above "
                            + "still identify every row; the answers are served by the evidence API.",
                        style: TextStyle("DejaVu Sans Oblique 8", color: .error, spaceAfter: 6)
                    )
                }
                continue
            }
            for response in row.responses {
                document.paragraph(
                    "\(escaped(response.method)) \(escaped(response.url)) → \(response.status)",
                    style: TextStyle("DejaVu Sans Mono 7.5", color: .muted, spaceAfter: 2),
                    markup: true
                )
                let excerpt = JSONExcerpt(body: response.body, length: response.length, limits: limits, budget: budget)
                budget -= excerpt.text.utf8.count
                if !excerpt.text.isEmpty { document.code(excerpt.text, indent: 0) }
                if excerpt.truncated {
                    document.paragraph(
                        "Truncated: the first \(ReportFormat.count(excerpt.covered)) of \(ReportFormat.count(response.length)) "
                            + "characters of this answer are shown.",
                        style: TextStyle("DejaVu Sans Oblique 7.5", color: .error, spaceAfter: 4)
                    )
                }
            }
            if row.responseCount > row.responses.count {
                document.paragraph(
                    "\(row.responseCount - row.responses.count) more answers of this row are not printed.",
                    style: TextStyle("DejaVu Sans Oblique 7.5", color: .error, spaceAfter: 4)
                )
            }
            document.space(4)
        }
        if content.evidence.isEmpty { document.paragraph("The audit stored no evidence.") }
    }
}
