extension QueueBroker {
    /// Every message of task `name` that Redis holds for `queue`: ready (all priorities), fetched and
    /// not yet acknowledged (`unacked`), or waiting in the delayed set. The places are read in the
    /// order messages move through them (delayed, ready, unacked), so a message moving forward while
    /// they are read is still seen; one moving back (a retry parked in the delayed set) may be
    /// missed, which callers must tolerate. Reads every entry: meant for a periodic reconciler.
    public func messages(task name: String, queue: String) async throws -> [TaskEnvelope] {
        let marker = Array("\"\(name)\"".utf8)
        var found: [TaskEnvelope] = []
        func keep(_ bytes: some Collection<UInt8>) {
            // Most entries are other tasks: skip them without parsing.
            guard Self.contains(bytes, marker), let envelope = try? TaskEnvelope(parsing: Array(bytes)), envelope.taskName == name
            else { return }
            found.append(envelope)
        }

        let lists = Set(keys.lists(queue: queue))
        for value in try await hashValues(keys.delayedMessages) {
            guard let newline = value.firstIndex(of: 0x0A) else { continue }
            guard lists.contains(String(decoding: value[..<newline], as: UTF8.self)) else { continue }
            keep(value[value.index(after: newline)...])
        }
        for list in keys.lists(queue: queue) {
            for item in try await redis.send("LRANGE", list, 0, -1).array ?? [] {
                if let bytes = item.bytes { keep(bytes) }
            }
        }
        for value in try await hashValues(keys.unacked) {
            guard Self.contains(value, marker), let entry = try? JSONValue(parsing: value), let parts = entry.array, parts.count == 3,
                parts[2].string == queue, let message = parts[0].object
            else { continue }
            let envelope = TaskEnvelope(json: message)
            if envelope.taskName == name { found.append(envelope) }
        }
        return found
    }

    static func contains(_ haystack: some Collection<UInt8>, _ needle: [UInt8]) -> Bool {
        let bytes = Array(haystack)
        guard !needle.isEmpty, bytes.count >= needle.count else { return needle.isEmpty }
        let first = needle[0]
        var index = 0
        let last = bytes.count - needle.count
        while index <= last {
            if bytes[index] == first, bytes[index..<index + needle.count].elementsEqual(needle) { return true }
            index += 1
        }
        return false
    }
}
