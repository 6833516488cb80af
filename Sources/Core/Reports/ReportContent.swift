import Foundation

/// Everything a report shows, read from the database before rendering. Raw GitHub answers arrive
/// already cut to `ReportLimits`, so a megabyte-sized payload never reaches the worker whole.
public struct ReportContent: Sendable {
    /// One raw GitHub answer of an evidence row, cut to the report's budget.
    public struct Response: Sendable, Codable {
        public var method: String
        public var url: String
        public var status: Int
        /// The start of the body as GitHub sent it (`base64:`-prefixed when not text).
        public var body: String
        /// Characters in the whole stored body.
        public var length: Int

        public init(method: String, url: String, status: Int, body: String, length: Int) {
            self.method = method
            self.url = url
            self.status = status
            self.body = body
            self.length = length
        }
    }

    /// One evidence row: one check's verdict on one resource.
    public struct Evidence: Sendable {
        public var checkID: String
        public var resource: String
        public var status: CheckStatus
        public var severity: Severity
        public var soc2: [String]
        public var iso27001: [String]
        public var sentence: String
        public var collectedAt: Date
        public var sha256: String
        /// The first answers (at most `ReportLimits.responsesPerEvidence`).
        public var responses: [Response]
        /// How many answers the row holds in all.
        public var responseCount: Int

        public init(
            checkID: String,
            resource: String,
            status: CheckStatus,
            severity: Severity,
            soc2: [String],
            iso27001: [String],
            sentence: String,
            collectedAt: Date,
            sha256: String,
            responses: [Response],
            responseCount: Int
        ) {
            self.checkID = checkID
            self.resource = resource
            self.status = status
            self.severity = severity
            self.soc2 = soc2
            self.iso27001 = iso27001
            self.sentence = sentence
            self.collectedAt = collectedAt
            self.sha256 = sha256
            self.responses = responses
            self.responseCount = responseCount
        }
    }

    public var reportID: UUID
    /// When the report was requested: the report's own date, so rendering again gives the same bytes.
    public var requestedAt: Date
    public var organizationName: String
    public var audit: Audit
    /// The GitHub account (organization or user) the audit's integration acts for.
    public var githubAccount: String?
    /// In `CheckCatalogue` order, then by resource.
    public var evidence: [Evidence]
    public var limits: ReportLimits

    public init(
        reportID: UUID,
        requestedAt: Date,
        organizationName: String,
        audit: Audit,
        githubAccount: String?,
        evidence: [Evidence],
        limits: ReportLimits = ReportLimits()
    ) {
        self.reportID = reportID
        self.requestedAt = requestedAt
        self.organizationName = organizationName
        self.audit = audit
        self.githubAccount = githubAccount
        self.evidence = evidence
        self.limits = limits
    }
}

/// How much raw evidence a report prints. The database cuts bodies to `bodyCharacters` before they
/// are read; the renderer then pretty-prints at most `lines` lines of each, and stops printing raw
/// JSON once `totalCharacters` have been printed (hashes and times are always printed). These
/// bound the worker's memory, the PDF's size and the rendering time whatever the audit holds.
public struct ReportLimits: Sendable, Equatable {
    public var responsesPerEvidence: Int
    public var bodyCharacters: Int
    public var lines: Int
    /// Longest printed line; longer values (a file's base64 content, say) are cut with a mark.
    public var lineCharacters: Int
    public var totalCharacters: Int
    public var sentenceCharacters: Int

    public init(
        responsesPerEvidence: Int = 3,
        bodyCharacters: Int = 1_600,
        lines: Int = 24,
        lineCharacters: Int = 240,
        totalCharacters: Int = 1_000_000,
        sentenceCharacters: Int = 2_000
    ) {
        self.responsesPerEvidence = responsesPerEvidence
        self.bodyCharacters = bodyCharacters
        self.lines = lines
        self.lineCharacters = lineCharacters
        self.totalCharacters = totalCharacters
        self.sentenceCharacters = sentenceCharacters
    }
}
