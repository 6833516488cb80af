/// An RGB colour, components from 0 to 1.
struct Color: Equatable {
    let red: Double
    let green: Double
    let blue: Double

    init(_ red: Double, _ green: Double, _ blue: Double) {
        self.red = red
        self.green = green
        self.blue = blue
    }

    static let text = Color(0.13, 0.15, 0.18)
    static let muted = Color(0.42, 0.45, 0.50)
    static let rule = Color(0.80, 0.82, 0.85)
    static let shade = Color(0.95, 0.96, 0.97)
    static let accent = Color(0.09, 0.30, 0.56)
    static let pass = Color(0.16, 0.55, 0.27)
    static let fail = Color(0.78, 0.16, 0.16)
    static let error = Color(0.87, 0.50, 0.05)
    static let notApplicable = Color(0.55, 0.57, 0.60)

    static func of(_ status: CheckStatus) -> Color {
        switch status {
        case .pass: .pass
        case .fail: .fail
        case .error: .error
        case .notApplicable: .notApplicable
        }
    }

    static func of(_ severity: Severity) -> Color {
        switch severity {
        case .high: .fail
        case .medium: .error
        case .low: .accent
        }
    }
}

/// How a run of text looks: a Pango font description ("DejaVu Sans Bold 10"), colour, and the
/// space left below a paragraph. CJK and other scripts the named font lacks fall back to other
/// installed fonts through fontconfig.
struct TextStyle {
    let font: String
    let color: Color
    let spaceAfter: Double

    init(_ font: String, color: Color = .text, spaceAfter: Double = 0) {
        self.font = font
        self.color = color
        self.spaceAfter = spaceAfter
    }

    static let body = TextStyle("DejaVu Sans 9.5", spaceAfter: 6)
    static let small = TextStyle("DejaVu Sans 8", color: .muted, spaceAfter: 3)
    static let cell = TextStyle("DejaVu Sans 8.5")
    static let cellBold = TextStyle("DejaVu Sans Bold 8.5")
    static let title = TextStyle("DejaVu Sans Bold 24", color: .accent, spaceAfter: 10)
    static let heading1 = TextStyle("DejaVu Sans Bold 17", color: .accent, spaceAfter: 10)
    static let heading2 = TextStyle("DejaVu Sans Bold 12", spaceAfter: 5)
    static let heading3 = TextStyle("DejaVu Sans Bold 10", spaceAfter: 3)
    static let code = TextStyle("DejaVu Sans Mono 7")
    static let margin = TextStyle("DejaVu Sans 7.5", color: .muted)
}
