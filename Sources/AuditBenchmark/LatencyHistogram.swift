/// A cumulative Prometheus histogram read back from `/metrics` text, for percentiles.
struct LatencyHistogram {
    /// (upper bound, cumulative count), ascending, ending with +Inf.
    var buckets: [(bound: Double, count: Double)]

    init(buckets: [(bound: Double, count: Double)]) {
        self.buckets = buckets
    }

    init(prometheusText text: String, name: String) {
        var buckets: [(Double, Double)] = []
        for line in text.split(separator: "\n") where line.hasPrefix(name + "_bucket{") {
            guard let start = line.range(of: "le=\""), let end = line[start.upperBound...].firstIndex(of: "\""),
                let count = line.split(separator: " ").last.flatMap({ Double($0) })
            else { continue }
            let bound = String(line[start.upperBound..<end])
            buckets.append((bound == "+Inf" ? .infinity : Double(bound) ?? .infinity, count))
        }
        self.buckets = buckets.sorted { $0.0 < $1.0 }
    }

    var total: Double { buckets.last?.count ?? 0 }

    /// Counts recorded since `earlier` was read.
    func subtracting(_ earlier: LatencyHistogram) -> LatencyHistogram {
        let before = Dictionary(earlier.buckets.map { ($0.bound, $0.count) }, uniquingKeysWith: { first, _ in first })
        return LatencyHistogram(buckets: buckets.map { ($0.bound, $0.count - (before[$0.bound] ?? 0)) })
    }

    /// The q-quantile, interpolated linearly inside its bucket (as PromQL's histogram_quantile).
    func quantile(_ q: Double) -> Double {
        guard total > 0 else { return .nan }
        let rank = q * total
        var previousBound = 0.0
        var previousCount = 0.0
        for (bound, count) in buckets {
            if count >= rank {
                if bound.isInfinite { return previousBound }
                let inBucket = count - previousCount
                return inBucket > 0 ? previousBound + (bound - previousBound) * (rank - previousCount) / inBucket : bound
            }
            previousBound = bound
            previousCount = count
        }
        return previousBound
    }
}
