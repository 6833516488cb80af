import Foundation

/// The figures and groupings a report shows, computed from its evidence alone (no drawing here).
struct ReportFacts {
    /// Counts by check status and severity.
    struct Tally {
        private var counts: [CheckStatus: [Severity: Int]] = [:]

        mutating func add(_ status: CheckStatus, _ severity: Severity) {
            counts[status, default: [:]][severity, default: 0] += 1
        }

        func count(_ status: CheckStatus, _ severity: Severity? = nil) -> Int {
            guard let severity else { return counts[status]?.values.reduce(0, +) ?? 0 }
            return counts[status]?[severity] ?? 0
        }

        func count(severity: Severity) -> Int {
            CheckStatus.allCases.reduce(0) { $0 + count($1, severity) }
        }

        var total: Int { CheckStatus.allCases.reduce(0) { $0 + count($1) } }
    }

    /// One check's results over the resources it ran on.
    struct CheckResult {
        let checkID: String
        let title: String
        let severity: Severity
        let rationale: String
        let remediation: String
        let soc2: [String]
        let iso27001: [String]
        let rows: [ReportContent.Evidence]

        /// FAIL if any resource failed, else ERROR if any could not be evaluated, else PASS if any
        /// passed, else NOT_APPLICABLE.
        var status: CheckStatus {
            let statuses = Set(rows.map(\.status))
            for status in [CheckStatus.fail, .error, .pass] where statuses.contains(status) { return status }
            return .notApplicable
        }

        func count(_ status: CheckStatus) -> Int { rows.filter { $0.status == status }.count }
    }

    /// One control of a framework and the checks that support it.
    struct Control {
        let id: String
        let checks: [CheckResult]
    }

    let tally: Tally
    let checks: [CheckResult]
    let resources: Int

    init(_ evidence: [ReportContent.Evidence]) {
        var tally = Tally()
        var byCheck: [String: [ReportContent.Evidence]] = [:]
        var order: [String] = []
        var resources = Set<String>()
        for row in evidence {
            tally.add(row.status, row.severity)
            if byCheck[row.checkID] == nil { order.append(row.checkID) }
            byCheck[row.checkID, default: []].append(row)
            resources.insert(row.resource)
        }
        self.tally = tally
        self.resources = resources.count
        self.checks = order.map { id in
            let rows = byCheck[id] ?? []
            let definition = CheckCatalogue.check(id: id)?.definition
            return CheckResult(
                checkID: id,
                title: definition?.title ?? id,
                severity: definition?.severity ?? rows.first?.severity ?? .low,
                rationale: definition?.rationale ?? "",
                remediation: definition?.remediation ?? "",
                soc2: rows.first?.soc2 ?? definition?.controls.soc2 ?? [],
                iso27001: rows.first?.iso27001 ?? definition?.controls.iso27001 ?? [],
                rows: rows
            )
        }
    }

    /// Failed checks, most severe first, then in catalogue order.
    var failed: [CheckResult] {
        checks.filter { $0.status == .fail }.sorted { Self.rank($0.severity) < Self.rank($1.severity) }
    }

    var errored: [CheckResult] { checks.filter { $0.status == .error } }

    /// The controls of one framework (`\.soc2` or `\.iso27001`) in natural order, each with its checks.
    func controls(_ framework: KeyPath<CheckResult, [String]>) -> [Control] {
        var byControl: [String: [CheckResult]] = [:]
        for check in checks {
            for control in check[keyPath: framework] { byControl[control, default: []].append(check) }
        }
        return byControl.keys.sorted { $0.compare($1, options: .numeric) == .orderedAscending }.map {
            Control(id: $0, checks: byControl[$0] ?? [])
        }
    }

    static func rank(_ severity: Severity) -> Int {
        switch severity {
        case .high: 0
        case .medium: 1
        case .low: 2
        }
    }

    /// Evidence in catalogue order (as `GET /api/v1/checks/` lists checks), then by resource;
    /// checks the catalogue no longer has come last, by id.
    static func ordered(_ evidence: [ReportContent.Evidence]) -> [ReportContent.Evidence] {
        var position: [String: Int] = [:]
        for (index, check) in CheckCatalogue.all.enumerated() { position[check.definition.id] = index }
        return evidence.sorted { lhs, rhs in
            let left = position[lhs.checkID] ?? Int.max
            let right = position[rhs.checkID] ?? Int.max
            if left != right { return left < right }
            if lhs.checkID != rhs.checkID { return EvidenceHash.ordered((lhs.checkID, lhs.resource), (rhs.checkID, rhs.resource)) }
            return lhs.resource.unicodeScalars.lexicographicallyPrecedes(rhs.resource.unicodeScalars)
        }
    }
}
