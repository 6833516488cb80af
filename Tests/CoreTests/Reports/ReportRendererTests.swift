import Foundation
import TestSupport
import Testing

@testable import Core

/// The renderer's output as poppler-utils reads it back: text, pages, fonts and word positions.
@Suite("Report rendering")
struct ReportRendererTests {
    @Test func aReportHasEverySectionTheFindingsHashesDigestAndPageFooters() async throws {
        let content = ReportContentFixture.content(rows: 60)
        let rendered = try await ReportRenderer.renderOffThePool(content)
        let pdf = try PDFTools(rendered.bytes)
        defer { pdf.remove() }
        let pages = try await pdf.pageCount()
        #expect(pages == rendered.pages)
        #expect((6...60).contains(pages), "\(pages) pages for 60 rows")
        let text = try await pdf.text()
        #expect(text.contains(ReportContentFixture.organization), "the organization name, Unicode intact")
        for heading in [
            "Security compliance audit report", "Executive summary", "Control coverage", "Findings", "Evidence integrity",
            "Evidence appendix",
        ] {
            #expect(text.contains(heading), "\(heading)")
        }
        for section in [
            "SOC 2 (2017 Trust Services Criteria)", "ISO/IEC 27001:2022 Annex A", "Results by status", "Why it matters", "How to fix it",
        ] {
            #expect(text.contains(section), "\(section)")
        }
        let failedTitles = Set(
            content.evidence.filter { $0.status == .fail }.map { CheckCatalogue.check(id: $0.checkID)!.definition.title }
        )
        #expect(!failedTitles.isEmpty)
        let flat = text.replacingOccurrences(of: "\n", with: " ")
        for title in failedTitles { #expect(flat.contains(title), "failed check \(title)") }
        #expect(text.contains(content.audit.evidenceDigest!))
        for row in content.evidence { #expect(text.contains(row.sha256), "evidence hash of \(row.checkID) \(row.resource)") }
        #expect(text.contains(content.audit.id.uuidString.lowercased()))
        #expect(text.contains("Page 1 of \(pages)"))
        for page in 1...pages {
            let pageText = try await pdf.text(page: page)
            #expect(pageText.contains("Page \(page) of \(pages)"), "footer of page \(page)")
            if page > 1 {
                #expect(pageText.contains("AuditMate audit report · \(ReportContentFixture.organization)"), "header of page \(page)")
            }
        }
        // "Page X of Y" ends on the right edge of the text column (alignment survives line-by-line drawing).
        let words = try await pdf.words()
        for page in 1...pages {
            let footer = words.filter { $0.page == page && $0.yMin > 841.89 - 46 }
            let right = try #require(footer.map(\.xMax).max())
            #expect(abs(right - (595.28 - 54)) < 2, "footer of page \(page) ends at \(right)")
        }
        #expect(rendered.unknownGlyphs == 0, "every glyph had a font")
        let info = try await pdf.info()
        #expect(info["Page size"]?.hasPrefix("595.28 x 841.89") == true)
        #expect(info["Title"]?.contains(ReportContentFixture.organization) == true)
    }

    @Test func cjkTextIsDrawnWithARealFontNotBoxes() async throws {
        let rendered = try await ReportRenderer.renderOffThePool(ReportContentFixture.content(rows: 5, sentenceSuffix: " 監査証跡は正常です。"))
        #expect(rendered.unknownGlyphs == 0)
        let pdf = try PDFTools(rendered.bytes)
        defer { pdf.remove() }
        let fonts = try await pdf.fonts()
        #expect(fonts.contains { $0.hasSuffix("+DejaVuSans") }, "\(fonts)")
        #expect(fonts.contains { $0.contains("WenQuanYi") }, "CJK drawn with the CJK font: \(fonts)")
        #expect(try await pdf.text().contains("監査証跡は正常です。"))
    }

    @Test func emojiAndRightToLeftTextDoNotBreakTheLayout() async throws {
        let odd = ReportContentFixture.row(
            resource: "acme/emoji-🚀",
            sentence: "Check output 🚀🔥✅ with Arabic مرحبا بالعالم and Hebrew שלום עולם, mixed ⟨CJK 株式会社⟩ and a zero\u{200B}width space.",
            body: #"{"name":"emoji-🚀","description":"مرحبا بالعالم 🔥 שלום","topics":["✅","🙂"]}"#
        )
        let content = ReportContentFixture.content(rows: 10, extra: [odd])
        let rendered = try await ReportRenderer.renderOffThePool(content)
        let pdf = try PDFTools(rendered.bytes)
        defer { pdf.remove() }
        let text = try await pdf.text()
        #expect(text.contains("acme/emoji-"))
        #expect(text.contains("Page 1 of \(rendered.pages)"))
        try await Self.expectEverythingInsideThePage(pdf)
    }

    @Test func longEvidenceIsCutWithANoteAndLongBlocksContinueOnTheNextPage() async throws {
        // A 3 MB body: the database would hand over only `bodyCharacters` of it.
        let entries = (0..<60_000).map { #""key_\#(String(format: "%05d", $0))":"value \#($0)""# }.joined(separator: ",")
        let huge = "{" + entries + "}"
        var limits = ReportLimits()
        limits.lines = 400
        limits.bodyCharacters = 12_000
        let row = ReportContentFixture.row(
            resource: "acme/huge",
            sentence: "A very long answer.",
            body: String(huge.prefix(limits.bodyCharacters))
        )
        let hugeRow = ReportContent.Evidence(
            checkID: row.checkID,
            resource: row.resource,
            status: row.status,
            severity: row.severity,
            soc2: row.soc2,
            iso27001: row.iso27001,
            sentence: row.sentence,
            collectedAt: row.collectedAt,
            sha256: row.sha256,
            responses: [
                ReportContent.Response(
                    method: "GET",
                    url: "https://api.github.com/repos/acme/huge",
                    status: 200,
                    body: String(huge.prefix(limits.bodyCharacters)),
                    length: huge.count
                )
            ],
            responseCount: 1
        )
        let rendered = try await ReportRenderer.renderOffThePool(ReportContentFixture.content(rows: 3, limits: limits, extra: [hugeRow]))
        let pdf = try PDFTools(rendered.bytes)
        defer { pdf.remove() }
        let text = try await pdf.text()
        #expect(text.contains("Truncated: the first"))
        #expect(text.contains("of \(ReportFormat.count(huge.count)) characters of this answer are shown."))
        // The printed lines are pretty-printed one key per line, all present, in order, none cut.
        var pagesOfKeys = Set<Int>()
        for page in 1...rendered.pages {
            let pageText = try await pdf.text(page: page)
            if pageText.contains("\"key_0") { pagesOfKeys.insert(page) }
        }
        #expect(pagesOfKeys.count >= 2, "a 400-line block spans pages: \(pagesOfKeys.sorted())")
        for key in 0..<390 { #expect(text.contains("\"key_\(String(format: "%05d", key))\": \"value \(key)\""), "line \(key)") }
        #expect(!text.contains("key_59999"))
        try await Self.expectEverythingInsideThePage(pdf)
    }

    @Test func renderingTheSameReportTwiceGivesTheSameBytes() async throws {
        let content = ReportContentFixture.content(rows: 20)
        let first = try await ReportRenderer.renderOffThePool(content)
        let second = try await ReportRenderer.renderOffThePool(content)
        #expect(first.bytes == second.bytes)
    }

    @Test func theRawEvidenceBudgetStopsPrintingAnswersButKeepsEveryHash() async throws {
        var limits = ReportLimits()
        limits.totalCharacters = 3_000
        let content = ReportContentFixture.content(rows: 40, limits: limits)
        let rendered = try await ReportRenderer.renderOffThePool(content)
        let pdf = try PDFTools(rendered.bytes)
        defer { pdf.remove() }
        let text = try await pdf.text()
        #expect(text.contains("Raw answers are not printed from here on"))
        for row in content.evidence { #expect(text.contains(row.sha256)) }
    }

    /// No word is drawn past the page's edge, and body text stays between the header and footer
    /// rules: text is broken between lines, never cut by the page.
    static func expectEverythingInsideThePage(_ pdf: PDFTools) async throws {
        let words = try await pdf.words()
        #expect(!words.isEmpty)
        for word in words {
            #expect(word.xMin >= 0 && word.xMax <= 595.3 && word.yMin >= 0 && word.yMax <= 841.9, "\(word)")
            let isMargin = word.yMax < 50 || word.yMin > 841.89 - 46
            if !isMargin {
                #expect(word.yMin >= 60 && word.yMax <= 841.89 - 58, "body text inside the margins: \(word)")
            }
        }
    }
}
