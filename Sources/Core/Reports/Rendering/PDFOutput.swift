import CPangoCairo

/// Collects the bytes cairo writes for a PDF, refusing to grow past `limit` (the write then fails
/// and so does the rendering, instead of exhausting the worker's memory).
final class PDFOutput {
    private(set) var bytes: [UInt8] = []
    let limit: Int

    init(limit: Int) {
        self.limit = limit
    }

    /// Appends one chunk cairo wrote; `closure` is an unretained `PDFOutput`.
    static func receive(_ closure: UnsafeMutableRawPointer?, _ data: UnsafePointer<UInt8>?, _ length: UInt32) -> cairo_status_t {
        guard let closure, let data else { return CAIRO_STATUS_WRITE_ERROR }
        let output = Unmanaged<PDFOutput>.fromOpaque(closure).takeUnretainedValue()
        guard output.bytes.count + Int(length) <= output.limit else { return CAIRO_STATUS_WRITE_ERROR }
        output.bytes.append(contentsOf: UnsafeBufferPointer(start: data, count: Int(length)))
        return CAIRO_STATUS_SUCCESS
    }
}

/// Why a PDF could not be rendered.
public struct ReportRenderError: Error, CustomStringConvertible {
    public let description: String

    init(_ description: String) {
        self.description = description
    }

    init(status: cairo_status_t, while doing: String) {
        self.description = "cairo failed while \(doing): \(String(cString: cairo_status_to_string(status)))"
    }
}
