import CPangoCairo

/// One bar of a bar chart.
struct ChartBar {
    let label: String
    let value: Int
    let color: Color
}

extension PDFDocument {
    /// A horizontal bar chart drawn with vector shapes: a label column, bars scaled to the largest
    /// value, and each value after its bar.
    func barChart(title: String, bars: [ChartBar]) {
        let rowHeight = 16.0
        let labelWidth = 120.0
        let valueWidth = 50.0
        let heading = counted(TextLayout(self, escaped(title), style: .heading3, width: Page.contentWidth, markup: true))
        keep(heading.height + Double(bars.count) * rowHeight + 14)
        draw(heading, at: Page.left, top: y, color: .text)
        y += heading.height + 4
        let largest = max(1, bars.map(\.value).max() ?? 1)
        let barArea = Page.contentWidth - labelWidth - valueWidth
        for bar in bars {
            let label = counted(TextLayout(self, escaped(bar.label), style: .cell, width: labelWidth - 6, markup: true))
            draw(label, at: Page.left, top: y + (rowHeight - label.height) / 2, color: .text)
            fill(x: Page.left + labelWidth, y: y + 3, width: barArea, height: rowHeight - 6, .shade)
            let length = barArea * Double(bar.value) / Double(largest)
            if bar.value > 0 { fill(x: Page.left + labelWidth, y: y + 3, width: max(1.5, length), height: rowHeight - 6, bar.color) }
            let value = counted(TextLayout(self, ReportFormat.count(bar.value), style: .cellBold, width: valueWidth - 6))
            draw(value, at: Page.left + labelWidth + length + 5, top: y + (rowHeight - value.height) / 2, color: .text)
            y += rowHeight
        }
        y += 10
    }
}
