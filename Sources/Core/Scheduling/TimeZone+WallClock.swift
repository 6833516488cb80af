import Foundation

extension TimeZone {
    /// The wall-clock minute at `instant` in this zone (seconds dropped).
    public func wallClock(at instant: Date) -> LocalDateTime {
        let local = Int((instant.timeIntervalSince1970).rounded(.down)) + secondsFromGMT(for: instant)
        return LocalDateTime(minutesSinceEpoch: LocalDateTime.floorDivide(local, 60))
    }

    /// The instant a wall-clock time names in this zone. A time that occurs twice (the hour repeated
    /// when clocks go back) names its first occurrence; a time that does not occur (the hour skipped
    /// when clocks go forward) names the first instant after it, the moment the clocks jumped.
    public func instant(of wall: LocalDateTime) -> Date {
        let local = wall.minutesSinceEpoch * 60
        // Offsets a day either side: an offset change between them is the only one near `wall`.
        let before = secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(local - 86_400)))
        let after = secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(local + 86_400)))
        let candidates = Set([before, after]).map { local - $0 }.filter { utc in
            secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(utc))) == local - utc
        }
        if let earliest = candidates.min() {
            return Date(timeIntervalSince1970: TimeInterval(earliest))
        }
        // In a gap: the change happened between `local - after` (still the old offset) and
        // `local - before` (already the new one). Find its second.
        var low = local - after
        var high = local - before
        while high - low > 1 {
            let middle = low + (high - low) / 2
            if secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(middle))) == before {
                low = middle
            } else {
                high = middle
            }
        }
        return Date(timeIntervalSince1970: TimeInterval(high))
    }
}
