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

/// Where a table's columns lie on the page, and its header row laid out once for every page.
private struct TableFrame {
    static let padding = 3.0
    let widths: [Double]
    let offsets: [Double]
    let header: [TextLayout]
    let headerHeight: Double

    /// The width text in column `index` may take (extra cells share the last column's width).
    func textWidth(_ index: Int) -> Double { widths[min(index, widths.count - 1)] - 2 * Self.padding }
}

extension PDFDocument {
    /// A table that flows over pages: the header row repeats on every page, a row that does not fit
    /// moves to the next page whole, and a row taller than a page continues line by line.
    func table(_ columns: [TableColumn], rows: [[TableCell]]) {
        let frame = tableFrame(columns)
        keep(frame.headerHeight + 40)
        drawHeader(frame)
        for row in rows { place(row, in: frame) }
        y += 8
    }

    private func tableFrame(_ columns: [TableColumn]) -> TableFrame {
        let total = columns.reduce(0) { $0 + $1.share }
        let widths = columns.map { Page.contentWidth * $0.share / total }
        var offsets: [Double] = []
        var x = Page.left
        for width in widths {
            offsets.append(x)
            x += width
        }
        let header = columns.enumerated().map { index, column in
            counted(TextLayout(self, escaped(column.title), style: .cellBold, width: widths[index] - 2 * TableFrame.padding, markup: true))
        }
        let headerHeight = (header.map(\.height).max() ?? 0) + 2 * TableFrame.padding
        return TableFrame(widths: widths, offsets: offsets, header: header, headerHeight: headerHeight)
    }

    private func drawHeader(_ frame: TableFrame) {
        fill(x: Page.left, y: y, width: Page.contentWidth, height: frame.headerHeight, .shade)
        for (index, layout) in frame.header.enumerated() {
            draw(layout, at: frame.offsets[index] + TableFrame.padding, top: y + TableFrame.padding, color: .text)
        }
        y += frame.headerHeight
        rule(x: Page.left, y: y - 0.5, width: Page.contentWidth, .muted)
    }

    /// One row: on this page when it fits or is taller than any page, else on the next; a row that
    /// still does not fit is placed in slices, each taking per cell the lines that fit on its page.
    private func place(_ row: [TableCell], in frame: TableFrame) {
        let padding = TableFrame.padding
        let cells = row.enumerated().map { index, cell in
            counted(TextLayout(self, cell.text, style: cell.style, width: frame.textWidth(index), markup: cell.markup))
        }
        let rowHeight = (cells.map(\.height).max() ?? 0) + 2 * padding
        if y + rowHeight > Page.bottomY && rowHeight <= Page.bottomY - Page.top - frame.headerHeight {
            newPage()
            drawHeader(frame)
        }
        var next = Array(repeating: 0, count: cells.count)
        while true {
            let (ends, sliceHeight) = slice(cells, from: next, headerHeight: frame.headerHeight)
            for (index, layout) in cells.enumerated() where next[index] < ends[index] {
                setColor(row[index].color ?? row[index].style.color)
                var top = y + padding
                for line in layout.lines[next[index]..<ends[index]] {
                    cairo_move_to(cr, frame.offsets[index] + padding + line.x, top + line.baseline)
                    pango_cairo_show_layout_line(cr, line.line)
                    top += line.height
                }
            }
            y += sliceHeight + 2 * padding
            rule(x: Page.left, y: y - 0.25, width: Page.contentWidth)
            next = ends
            if zip(next, cells).allSatisfy({ $0 >= $1.lines.count }) { break }
            newPage()
            drawHeader(frame)
        }
    }

    /// Per cell, the end of the lines from `next` that fit on this page (at least one line just
    /// below a fresh header, however tall), and the height of the tallest cell's share.
    private func slice(_ cells: [TextLayout], from next: [Int], headerHeight: Double) -> (ends: [Int], height: Double) {
        let available = Page.bottomY - y - 2 * TableFrame.padding
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
        return (ends, sliceHeight)
    }

    /// Just below a freshly drawn table header, where even an over-tall line must be placed.
    private func isAtTopOfPageBelowHeader(_ headerHeight: Double) -> Bool {
        y <= Page.top + headerHeight + 0.5
    }
}
