import CPangoCairo

extension PDFDocument {
    /// Writes a paragraph at the cursor, `indent` points in, breaking to new pages between lines.
    func paragraph(_ text: String, style: TextStyle = .body, indent: Double = 0, markup: Bool = false) {
        let layout = counted(TextLayout(self, text, style: style, width: Page.contentWidth - indent, markup: markup))
        flow(layout, x: Page.left + indent, color: style.color)
        y += style.spaceAfter
    }

    /// A heading kept on the same page as at least `keepWith` points of what follows it.
    func heading(_ text: String, style: TextStyle = .heading2, keepWith: Double = 60) {
        let layout = counted(TextLayout(self, escaped(text), style: style, width: Page.contentWidth, markup: true))
        keep(layout.height + keepWith)
        if !isAtTopOfPage { y += 4 }
        flow(layout, x: Page.left, color: style.color)
        y += style.spaceAfter
    }

    /// Places `layout`'s lines from the cursor down, starting a page whenever the next line would
    /// cross the bottom margin.
    func flow(_ layout: TextLayout, x: Double, color: Color) {
        setColor(color)
        for line in layout.lines {
            if y + line.height > Page.bottomY && !isAtTopOfPage {
                newPage()
                setColor(color)
            }
            cairo_move_to(cr, x + line.x, y + line.baseline)
            pango_cairo_show_layout_line(cr, line.line)
            y += line.height
        }
    }

    /// Monospaced text on a shaded band, `indent` points in; long blocks continue on the next page
    /// between lines.
    func code(_ text: String, indent: Double = 0) {
        let padding = 4.0
        let width = Page.contentWidth - indent
        let layout = counted(TextLayout(self, text, style: .code, width: width - 2 * padding))
        var next = 0
        let lines = layout.lines
        while next < lines.count {
            if remaining < 2 * padding + (lines[next].height) && !isAtTopOfPage { newPage() }
            var height = 0.0
            var end = next
            while end < lines.count && (y + 2 * padding + height + lines[end].height <= Page.bottomY || end == next) {
                height += lines[end].height
                end += 1
            }
            fill(x: Page.left + indent, y: y, width: width, height: height + 2 * padding, .shade)
            setColor(TextStyle.code.color)
            var top = y + padding
            for line in lines[next..<end] {
                cairo_move_to(cr, Page.left + indent + padding + line.x, top + line.baseline)
                pango_cairo_show_layout_line(cr, line.line)
                top += line.height
            }
            y += height + 2 * padding
            next = end
            if next < lines.count { newPage() }
        }
        y += 3
    }

    /// A small vertical gap.
    func space(_ points: Double) {
        y = min(y + points, Page.bottomY)
    }
}

extension PDFDocument {
    /// Label / value pairs in two columns (values are Pango markup), each pair kept on one page.
    func fields(_ pairs: [(label: String, value: String)], labelWidth: Double = 150, valueStyle: TextStyle = .body) {
        for pair in pairs {
            let label = counted(TextLayout(self, escaped(pair.label), style: .cellBold, width: labelWidth - 8, markup: true))
            let value = counted(TextLayout(self, pair.value, style: valueStyle, width: Page.contentWidth - labelWidth, markup: true))
            let height = max(label.height, value.height)
            if remaining < height && height < Page.bottomY - Page.top { newPage() }
            draw(label, at: Page.left, top: y + 1, color: .muted)
            if value.height <= remaining {
                draw(value, at: Page.left + labelWidth, top: y, color: valueStyle.color)
                y += height + 5
            } else {
                flow(value, x: Page.left + labelWidth, color: valueStyle.color)
                y += 5
            }
        }
    }
}
