import CPangoCairo

/// A Pango layout of one paragraph at a fixed width, with its lines measured: what the document
/// needs to place the paragraph line by line, across pages if it must.
final class TextLayout {
    struct Line {
        let line: UnsafeMutablePointer<PangoLayoutLine>
        /// Start of the line from the layout's left edge: where alignment (right, or a right-to-left
        /// paragraph's natural right alignment) puts it. Drawing a line alone must add it.
        let x: Double
        /// Top of the line, from the top of the layout.
        let top: Double
        let height: Double
        /// Baseline, from the top of the line.
        let baseline: Double
    }

    let pointer: OpaquePointer
    private(set) var lines: [Line] = []
    private(set) var height = 0.0

    /// `text` is Pango markup when `markup` is true (escape user text with `escaped`).
    init(
        _ document: PDFDocument,
        _ text: String,
        style: TextStyle,
        width: Double,
        alignment: PangoAlignment = PANGO_ALIGN_LEFT,
        markup: Bool = false
    ) {
        pointer = pango_layout_new(document.pango)
        pango_layout_set_font_description(pointer, document.font(style.font))
        pango_layout_set_width(pointer, Int32(max(1, width) * Double(PANGO_SCALE)))
        pango_layout_set_wrap(pointer, PANGO_WRAP_WORD_CHAR)
        pango_layout_set_alignment(pointer, alignment)
        if markup {
            pango_layout_set_markup(pointer, text, -1)
        } else {
            pango_layout_set_text(pointer, text, -1)
        }
        measure()
    }

    deinit {
        g_object_unref(UnsafeMutableRawPointer(pointer))
    }

    private func measure() {
        guard let iterator = pango_layout_get_iter(pointer) else { return }
        defer { pango_layout_iter_free(iterator) }
        let scale = Double(PANGO_SCALE)
        repeat {
            var logical = PangoRectangle()
            pango_layout_iter_get_line_extents(iterator, nil, &logical)
            let baseline = Double(pango_layout_iter_get_baseline(iterator))
            if let line = pango_layout_iter_get_line_readonly(iterator) {
                lines.append(
                    Line(
                        line: line,
                        x: Double(logical.x) / scale,
                        top: Double(logical.y) / scale,
                        height: Double(logical.height) / scale,
                        baseline: (baseline - Double(logical.y)) / scale
                    )
                )
            }
        } while pango_layout_iter_next_line(iterator) != 0
        if let last = lines.last { height = last.top + last.height }
    }
}
