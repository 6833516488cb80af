import CPangoCairo

/// A table column: its header and share of the content width.
struct TableColumn {
    let title: String
    let share: Double
}

/// One cell: text (Pango markup when `markup`), its style, and an optional colour for the text.
struct TableCell {
    let text: String
    let style: TextStyle
    let color: Color?
    let markup: Bool

    init(_ text: String, style: TextStyle = .cell, color: Color? = nil, markup: Bool = false) {
        self.text = text
        self.style = style
        self.color = color
        self.markup = markup
    }
}

extension PDFDocument {
    /// A table that flows over pages: the header row repeats on every page, a row that does not fit
    /// moves to the next page whole, and a row taller than a page continues line by line.
    func table(_ columns: [TableColumn], rows: [[TableCell]]) {
        let padding = 3.0
        let total = columns.reduce(0) { $0 + $1.share }
        let widths = columns.map { Page.contentWidth * $0.share / total }
        var offsets: [Double] = []
        var x = Page.left
        for width in widths {
            offsets.append(x)
            x += width
        }
        let header = columns.enumerated().map { index, column in
            counted(TextLayout(self, escaped(column.title), style: .cellBold, width: widths[index] - 2 * padding, markup: true))
        }
        let headerHeight = (header.map(\.height).max() ?? 0) + 2 * padding

        func drawHeader() {
            fill(x: Page.left, y: y, width: Page.contentWidth, height: headerHeight, .shade)
            for (index, layout) in header.enumerated() {
                draw(layout, at: offsets[index] + padding, top: y + padding, color: .text)
            }
            y += headerHeight
            rule(x: Page.left, y: y - 0.5, width: Page.contentWidth, .muted)
        }

        keep(headerHeight + 40)
        drawHeader()
        for row in rows {
            let cells = row.enumerated().map { index, cell in
                counted(
                    TextLayout(
                        self,
                        cell.text,
                        style: cell.style,
                        width: widths[min(index, widths.count - 1)] - 2 * padding,
                        markup: cell.markup
                    )
                )
            }
            let rowHeight = (cells.map(\.height).max() ?? 0) + 2 * padding
            if y + rowHeight > Page.bottomY && rowHeight <= Page.bottomY - Page.top - headerHeight {
                newPage()
                drawHeader()
            }
            // Place the row in slices: each slice takes, per cell, the lines that fit on this page.
            var next = Array(repeating: 0, count: cells.count)
            while true {
                let available = Page.bottomY - y - 2 * padding
                var sliceHeight = 0.0
                var ends = next
                for (index, layout) in cells.enumerated() {
                    var height = 0.0
                    var end = next[index]
                    while end < layout.lines.count
                        && (height + layout.lines[end].height <= available || end == next[index] && isAtTopOfPageBelowHeader(headerHeight))
                    {
                        height += layout.lines[end].height
                        end += 1
                    }
                    ends[index] = end
                    sliceHeight = max(sliceHeight, height)
                }
                for (index, layout) in cells.enumerated() where next[index] < ends[index] {
                    setColor(row[index].color ?? row[index].style.color)
                    var top = y + padding
                    for line in layout.lines[next[index]..<ends[index]] {
                        cairo_move_to(cr, offsets[index] + padding + line.x, top + line.baseline)
                        pango_cairo_show_layout_line(cr, line.line)
                        top += line.height
                    }
                }
                y += sliceHeight + 2 * padding
                rule(x: Page.left, y: y - 0.25, width: Page.contentWidth)
                next = ends
                if zip(next, cells).allSatisfy({ $0 >= $1.lines.count }) { break }
                newPage()
                drawHeader()
            }
        }
        y += 8
    }

    /// Just below a freshly drawn table header, where even an over-tall line must be placed.
    private func isAtTopOfPageBelowHeader(_ headerHeight: Double) -> Bool {
        y <= Page.top + headerHeight + 0.5
    }
}
