import CPangoCairo
import Foundation

/// A paginated A4 PDF being written: a cursor that moves down the page and starts a new page when
/// the next line would cross the bottom margin, so text is only ever broken between lines.
///
/// Each page is first drawn into a cairo recording surface; `finish()` replays the pages into the
/// PDF with their running header and "Page X of Y" footer, once the number of pages is known. Text
/// stays text through the replay. Every pointer is owned by this object, which lives inside one
/// synchronous rendering call on one thread and is never shared.
final class PDFDocument {
    /// A4 in points, with margins that leave room for the running header and footer.
    enum Page {
        static let width = 595.28
        static let height = 841.89
        static let left = 54.0
        static let right = 54.0
        static let top = 70.0
        static let bottom = 62.0
        static var contentWidth: Double { width - left - right }
        static var bottomY: Double { height - bottom }
    }

    private let output: PDFOutput
    private let surface: OpaquePointer
    private let pdf: OpaquePointer
    let pango: OpaquePointer
    private var fonts: [String: OpaquePointer] = [:]
    private var pages: [(surface: OpaquePointer, section: String)] = []
    private var page: OpaquePointer
    private(set) var cr: OpaquePointer
    private let headerTitle: String
    private let footerText: String
    /// Top of the free space on the current page.
    var y = Page.top
    /// The running header's section name for the current page.
    private var section = ""
    /// Glyphs no installed font could draw (shown as boxes), over every layout made.
    private(set) var unknownGlyphs = 0

    init(title: String, author: String, created: Date, headerTitle: String, footerText: String, maximumBytes: Int) throws {
        output = PDFOutput(limit: maximumBytes)
        surface = cairo_pdf_surface_create_for_stream(
            { closure, data, length in PDFOutput.receive(closure, data, length) },
            Unmanaged.passUnretained(output).toOpaque(),
            Page.width,
            Page.height
        )
        pdf = cairo_create(surface)
        // The per-thread default font map: fonts load once per rendering thread, not per report.
        pango = pango_font_map_create_context(pango_cairo_font_map_get_default())
        // PDF user units are points: lay out at 72 dpi, unhinted, so measured lines are drawn lines.
        pango_cairo_context_set_resolution(pango, 72)
        let options = cairo_font_options_create()
        cairo_font_options_set_hint_metrics(options, CAIRO_HINT_METRICS_OFF)
        cairo_font_options_set_hint_style(options, CAIRO_HINT_STYLE_NONE)
        pango_cairo_context_set_font_options(pango, options)
        cairo_font_options_destroy(options)
        self.headerTitle = headerTitle
        self.footerText = footerText
        (page, cr) = Self.blankPage()
        let status = cairo_surface_status(surface)
        guard status == CAIRO_STATUS_SUCCESS else { throw ReportRenderError(status: status, while: "creating the PDF") }
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, title)
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_AUTHOR, author)
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "AuditMate")
        // A fixed creation date (the report's own) makes rendering the same report give the same bytes.
        let stamp = created.formatted(Date.ISO8601FormatStyle(timeZone: TimeZone(identifier: "UTC")!))
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATE_DATE, stamp)
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_MOD_DATE, stamp)
    }

    deinit {
        cairo_destroy(cr)
        cairo_surface_destroy(page)
        for finished in pages { cairo_surface_destroy(finished.surface) }
        for font in fonts.values { pango_font_description_free(font) }
        g_object_unref(UnsafeMutableRawPointer(pango))
        cairo_destroy(pdf)
        cairo_surface_destroy(surface)
    }

    private static func blankPage() -> (OpaquePointer, OpaquePointer) {
        var extents = cairo_rectangle_t(x: 0, y: 0, width: Page.width, height: Page.height)
        // Bounded, so the PDF backend replays it as vector content rather than an image.
        let page = cairo_recording_surface_create(CAIRO_CONTENT_COLOR_ALPHA, &extents)!
        return (page, cairo_create(page)!)
    }

    /// 1-based number of the current page.
    var pageNumber: Int { pages.count + 1 }

    /// Space left on the current page.
    var remaining: Double { Page.bottomY - y }

    var isAtTopOfPage: Bool { y <= Page.top + 0.5 }

    func newPage() {
        cairo_destroy(cr)
        pages.append((page, section))
        (page, cr) = Self.blankPage()
        y = Page.top
    }

    /// Starts a section on a new page (unless the current one is still blank): the running header
    /// names it, and the PDF outline links to it.
    func beginSection(_ title: String) {
        if !isAtTopOfPage { newPage() }
        section = title
        cairo_pdf_surface_add_outline(surface, CAIRO_PDF_OUTLINE_ROOT, title, "page=\(pageNumber)", cairo_pdf_outline_flags_t(0))
    }

    /// Starts a new page when less than `height` is left, to keep a heading with what follows it.
    func keep(_ height: Double) {
        if remaining < height && !isAtTopOfPage { newPage() }
    }

    func font(_ name: String) -> OpaquePointer {
        if let font = fonts[name] { return font }
        let font = pango_font_description_from_string(name)!
        fonts[name] = font
        return font
    }

    func setColor(_ color: Color) {
        cairo_set_source_rgb(cr, color.red, color.green, color.blue)
    }

    func fill(x: Double, y: Double, width: Double, height: Double, _ color: Color) {
        setColor(color)
        cairo_rectangle(cr, x, y, width, height)
        cairo_fill(cr)
    }

    func rule(x: Double, y: Double, width: Double, _ color: Color = .rule, thickness: Double = 0.5) {
        fill(x: x, y: y, width: width, height: thickness, color)
    }

    func counted(_ layout: TextLayout) -> TextLayout {
        unknownGlyphs += Int(pango_layout_get_unknown_glyphs_count(layout.pointer))
        return layout
    }

    /// Replays every page into the PDF with its header and footer, and returns the PDF's bytes.
    func finish() throws -> (bytes: [UInt8], pages: Int) {
        cairo_destroy(cr)
        pages.append((page, section))
        (page, cr) = Self.blankPage()
        let total = pages.count
        for (index, finished) in pages.enumerated() {
            cairo_set_source_surface(pdf, finished.surface, 0, 0)
            cairo_paint(pdf)
            drawMargins(page: index + 1, of: total, section: finished.section)
            cairo_show_page(pdf)
            cairo_surface_destroy(finished.surface)
            let status = cairo_status(pdf)
            guard status == CAIRO_STATUS_SUCCESS else {
                pages.removeFirst(index + 1)
                throw ReportRenderError(status: status, while: "writing page \(index + 1)")
            }
        }
        pages = []
        cairo_surface_finish(surface)
        let status = cairo_surface_status(surface)
        guard status == CAIRO_STATUS_SUCCESS else { throw ReportRenderError(status: status, while: "finishing the PDF") }
        return (output.bytes, total)
    }

    /// The running header (document title, section) and footer (report, page X of Y) of one page.
    private func drawMargins(page number: Int, of total: Int, section: String) {
        let width = Page.contentWidth
        if number > 1 {
            let left = counted(TextLayout(self, escaped(headerTitle), style: .margin, width: width * 0.62, markup: true))
            draw(left, at: Page.left, top: 30, on: pdf, color: TextStyle.margin.color)
            let right = counted(
                TextLayout(self, escaped(section), style: .margin, width: width * 0.36, alignment: PANGO_ALIGN_RIGHT, markup: true)
            )
            draw(right, at: Page.left + width * 0.64, top: 30, on: pdf, color: TextStyle.margin.color)
            cairo_set_source_rgb(pdf, Color.rule.red, Color.rule.green, Color.rule.blue)
            cairo_rectangle(pdf, Page.left, 46, width, 0.5)
            cairo_fill(pdf)
        }
        let footerTop = Page.height - 40
        cairo_set_source_rgb(pdf, Color.rule.red, Color.rule.green, Color.rule.blue)
        cairo_rectangle(pdf, Page.left, footerTop - 6, width, 0.5)
        cairo_fill(pdf)
        let left = counted(TextLayout(self, escaped(footerText), style: .margin, width: width * 0.7, markup: true))
        draw(left, at: Page.left, top: footerTop, on: pdf, color: TextStyle.margin.color)
        let pageText = "Page \(number) of \(total)"
        let right = counted(TextLayout(self, pageText, style: .margin, width: width * 0.28, alignment: PANGO_ALIGN_RIGHT, markup: true))
        draw(right, at: Page.left + width * 0.72, top: footerTop, on: pdf, color: TextStyle.margin.color)
    }

    /// Draws all of `layout` with its top at `top`, on `target` (a page or the PDF itself).
    func draw(_ layout: TextLayout, at x: Double, top: Double, on target: OpaquePointer? = nil, color: Color) {
        let target = target ?? cr
        cairo_set_source_rgb(target, color.red, color.green, color.blue)
        for line in layout.lines {
            cairo_move_to(target, x + line.x, top + line.top + line.baseline)
            pango_cairo_show_layout_line(target, line.line)
        }
    }
}

/// Escapes text for Pango markup.
func escaped(_ text: String) -> String {
    var result = ""
    result.reserveCapacity(text.utf8.count)
    for character in text.unicodeScalars {
        switch character {
        case "&": result += "&amp;"
        case "<": result += "&lt;"
        case ">": result += "&gt;"
        case "\"": result += "&quot;"
        case "'": result += "&#39;"
        case "\u{0}"..."\u{8}", "\u{B}", "\u{C}", "\u{E}"..."\u{1F}", "\u{7F}": result += " "
        default: result.unicodeScalars.append(character)
        }
    }
    return result
}
