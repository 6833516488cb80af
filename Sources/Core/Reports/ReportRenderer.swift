import CPangoCairo
import Foundation
import NIOPosix

/// A rendered report: the PDF's bytes and what the renderer knows about them.
public struct RenderedReport: Sendable {
    public let bytes: [UInt8]
    public let pages: Int
    /// Glyphs no installed font could draw (they show as boxes); 0 when every script had a font.
    public let unknownGlyphs: Int
}

/// Renders a report's PDF with Pango and cairo: cover, executive summary with a chart, controls,
/// findings, evidence integrity, and the evidence appendix. Synchronous and self-contained: every
/// cairo and Pango object is made and freed inside `render`, on the calling thread; call it off
/// Swift's cooperative pool (it is CPU-bound).
public enum ReportRenderer {
    /// The largest PDF a report may grow to before rendering fails instead of using more memory.
    public static let maximumBytes = 64 << 20

    /// `render` on NIO's blocking-work thread pool, so the cooperative pool (two threads on a
    /// two-core machine) keeps serving other tasks while a PDF is laid out.
    public static func renderOffThePool(_ content: ReportContent) async throws -> RenderedReport {
        try await NIOThreadPool.singleton.runIfActive { try render(content) }
    }

    public static func render(_ content: ReportContent) throws -> RenderedReport {
        let facts = ReportFacts(content.evidence)
        let audit = content.audit
        let document = try PDFDocument(
            title: "AuditMate audit report — \(content.organizationName)",
            author: content.organizationName,
            created: content.requestedAt,
            headerTitle: "AuditMate audit report · \(content.organizationName)",
            footerText: "Audit \(audit.id.apiString) · report \(content.reportID.apiString)",
            maximumBytes: maximumBytes
        )
        cover(content, facts, document)
        summary(content, facts, document)
        controls(facts, document)
        findings(facts, document)
        integrity(content, facts, document)
        appendix(content, document)
        let (bytes, pages) = try document.finish()
        return RenderedReport(bytes: bytes, pages: pages, unknownGlyphs: document.unknownGlyphs)
    }

    private static func cover(_ content: ReportContent, _ facts: ReportFacts, _ document: PDFDocument) {
        let audit = content.audit
        document.beginSection("Cover")
        document.space(60)
        document.paragraph("AuditMate", style: TextStyle("DejaVu Sans Bold 11", color: .muted, spaceAfter: 4))
        document.paragraph("Security compliance audit report", style: .title)
        document.paragraph(escaped(content.organizationName), style: TextStyle("DejaVu Sans Bold 20", spaceAfter: 30), markup: true)
        let result = audit.status.rawValue
        let resultColor = audit.status == .pass ? Color.pass : Color.fail
        document.fields([
            ("Organization", escaped(content.organizationName)),
            ("Scope", escaped(scope(content))),
            ("Audit ID", "<tt>\(audit.id.apiString)</tt>"),
            ("Trigger", audit.trigger == .schedule ? "Scheduled rescan" : "Started by a member"),
            ("Audit requested", ReportFormat.time(audit.createdAt)),
            ("Audit started", audit.startedAt.map(ReportFormat.time) ?? "—"),
            ("Audit finished", audit.finishedAt.map(ReportFormat.time) ?? "—"),
            ("Report requested", ReportFormat.time(content.requestedAt)),
            ("Overall result", "<span foreground=\"\(hex(resultColor))\"><b>\(result)</b></span>"),
            ("Score", audit.score.map { "<b>\($0)</b> / 100" } ?? "—"),
            (
                "Results",
                "\(ReportFormat.count(facts.tally.total)) results of \(ReportFormat.count(facts.checks.count)) checks on "
                    + "\(ReportFormat.count(facts.resources)) resources"
            ),
            ("Evidence digest (SHA-256)", digest(audit.evidenceDigest)),
            ("Frameworks", "SOC 2 (2017 Trust Services Criteria) · ISO/IEC 27001:2022 Annex A"),
        ])
        document.space(24)
        document.paragraph(
            "This report was rendered from the audit's stored evidence. Every evidence row carries the SHA-256 of its "
                + "content, and the digest above chains all of them: see “Evidence integrity” to verify it.",
            style: .small
        )
    }

    static func scope(_ content: ReportContent) -> String {
        if let repository = content.audit.repository {
            return "GitHub repository \(repository)" + (content.githubAccount.map { " (GitHub account \($0))" } ?? "")
        }
        return "Whole GitHub organization" + (content.githubAccount.map { " \($0)" } ?? "") + ": every non-archived repository"
    }

    /// A SHA-256 digest as markup, in a monospaced size that keeps its 64 characters on one line of
    /// a field's value column, so it reads (and extracts, and copies) as one word.
    static func digest(_ value: String?) -> String {
        guard let value else { return "—" }
        return "<span font_desc=\"DejaVu Sans Mono 8\">\(escaped(value))</span>"
    }

    /// `#rrggbb` for Pango markup.
    static func hex(_ color: Color) -> String {
        func component(_ value: Double) -> String {
            let byte = Int((min(1, max(0, value)) * 255).rounded())
            return String(byte, radix: 16).count == 1 ? "0" + String(byte, radix: 16) : String(byte, radix: 16)
        }
        return "#" + component(color.red) + component(color.green) + component(color.blue)
    }

    static func label(_ status: CheckStatus) -> String {
        status == .notApplicable ? "N/A" : status.rawValue
    }

    static func colored(_ status: CheckStatus) -> String {
        "<span foreground=\"\(hex(Color.of(status)))\"><b>\(label(status))</b></span>"
    }
}
