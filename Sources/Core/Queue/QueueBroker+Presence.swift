extension QueueBroker {
    /// Which of `taskIDs` still have a message that an AuditMate producer published and no worker
    /// has settled for good (waiting, running, delayed or retrying): one `MGET` of their presence
    /// keys, whatever the number of messages in the queues. Messages from Python producers have no
    /// presence key and are never reported.
    public func liveTaskIDs(among taskIDs: [String]) async throws -> Set<String> {
        var live: Set<String> = []
        for start in stride(from: 0, to: taskIDs.count, by: 500) {
            let chunk = Array(taskIDs[start..<min(start + 500, taskIDs.count)])
            let values = try await redis.send(RedisCommand("MGET", chunk.map { keys.presence(taskID: $0) })).array ?? []
            for (id, value) in zip(chunk, values) where !value.isNull { live.insert(id) }
        }
        return live
    }
}
